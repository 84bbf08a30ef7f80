/** Runs the real `airlock <argv>` (src/cli/main.ts `run`) in this process and exits with its code; cli.test.ts spawns it. */
import { run } from '../../src/cli/main';

void run(process.argv.slice(2)).then((code) => process.exit(code));
