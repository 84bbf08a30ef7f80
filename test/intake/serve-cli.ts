/**
 * Runs `airlock <argv>` with the `serve` command added, exactly as src/cli/main.ts will once it is wired there
 * (errors printed once, exit codes as documented). Used by cli.test.ts in a child process.
 */
import { Command, CommanderError } from 'commander';
import { AirlockError, ExitCode } from '../../src/errors';
import { program } from '../../src/cli/main';
import { serveCommand } from '../../src/cli/commands/serve';

async function main(): Promise<number> {
  let code: number = ExitCode.ok;
  const root: Command = program((c) => (code = c));
  root.addCommand(serveCommand().exitOverride());
  try {
    await root.parseAsync(process.argv.slice(2), { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : ExitCode.usage;
    if (e instanceof AirlockError) {
      process.stderr.write(`airlock: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`airlock: internal error:\n${(e as Error).stack}\n`);
    return ExitCode.internal;
  }
}

void main().then((code) => process.exit(code));
