/**
 * Runs `airlock <args>` for the gitops tests: the real CLI (`run` from src/cli/main) once it registers
 * `bootstrap` and `sync-notify`; until then the same root options and error reporting around those two
 * commands, so the tests exercise the command modules end to end either way.
 */
import { Command, CommanderError } from 'commander';
import { AirlockError, ExitCode, ValidationError } from '../../src/errors';
import { program, run } from '../../src/cli/main';
import { bootstrapCommand } from '../../src/cli/commands/bootstrap';
import { syncNotifyCommand } from '../../src/cli/commands/sync-notify';

async function runStandalone(argv: readonly string[]): Promise<number> {
  let code: number = ExitCode.ok;
  const root = new Command('airlock').option('-C, --project <dir>', 'project root').exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
  root.addCommand(bootstrapCommand().exitOverride());
  root.addCommand(syncNotifyCommand((c) => (code = c)).exitOverride());
  try {
    await root.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (e instanceof AirlockError) {
      if (argv.includes('--json')) {
        const problems = e instanceof ValidationError ? e.problems : undefined;
        process.stdout.write(`${JSON.stringify({ error: { type: e.name, exitCode: e.exitCode, message: e.message, ...(problems ? { problems } : {}) } }, null, 2)}\n`);
      } else process.stderr.write(`airlock: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`airlock: internal error:\n${(e as Error).stack ?? String(e)}\n`);
    return ExitCode.internal;
  }
}

const argv = process.argv.slice(2);
const registered = program(() => undefined).commands.some((c) => c.name() === 'bootstrap');
(registered ? run(argv) : runStandalone(argv)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(String(e));
    process.exit(70);
  },
);
