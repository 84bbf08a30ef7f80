/**
 * The `airlock` command line. Commands throw typed errors; this is the one place that prints them and turns
 * them into the exit codes documented in the README.
 */
import { Command, CommanderError } from 'commander';
import { AirlockError, ExitCode, ValidationError } from '../errors';
import { analyzeCommand } from './commands/analyze';
import { auditCommand } from './commands/audit';
import { bootstrapCommand } from './commands/bootstrap';
import { labelCommand } from './commands/label';
import { listCommand } from './commands/list';
import { newCommand } from './commands/new';
import { planCommand } from './commands/plan';
import { expireCommand, liftCommand, proposeCommand } from './commands/propose';
import { serveCommand } from './commands/serve';
import { statusCommand } from './commands/status';
import { synthCommand } from './commands/synth';
import { syncNotifyCommand } from './commands/sync-notify';
import { webhookCommand } from './commands/webhook';

/** Builds the program; `setExit` lets a command end with a non-zero code without throwing (drift, ineffective). */
export function program(setExit: (code: number) => void): Command {
  const root = new Command('airlock')
    .description('incident containment as code for Kubernetes: incidents/<ID>.ts → dist/ → git → Argo CD / Flux')
    .option('-C, --project <dir>', 'project root (default: the current directory)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const command of [
    synthCommand(setExit),
    newCommand(),
    listCommand(),
    planCommand(setExit),
    proposeCommand(),
    liftCommand(),
    expireCommand(),
    labelCommand(),
    statusCommand(setExit),
    auditCommand(),
    analyzeCommand(),
    webhookCommand(),
    serveCommand(),
    bootstrapCommand(),
    syncNotifyCommand(setExit),
  ]) {
    root.addCommand(command.exitOverride());
  }
  return root;
}

/** Prints an error once, as JSON when the command asked for JSON. */
function report(error: AirlockError, json: boolean): void {
  if (json) {
    const problems = error instanceof ValidationError ? error.problems : undefined;
    process.stdout.write(`${JSON.stringify({ error: { type: error.name, exitCode: error.exitCode, message: error.message, ...(problems ? { problems } : {}) } }, null, 2)}\n`);
  } else {
    process.stderr.write(`airlock: ${error.message}\n`);
  }
}

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  let code: number = ExitCode.ok;
  try {
    await program((c) => (code = c)).parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed its message (or the help text).
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (e instanceof AirlockError) {
      report(e, argv.includes('--json') || argv.includes('--format=json'));
      return e.exitCode;
    }
    process.stderr.write(`airlock: internal error (a bug; please report it with this trace):\n${(e as Error).stack ?? String(e)}\n`);
    return ExitCode.internal;
  }
}
