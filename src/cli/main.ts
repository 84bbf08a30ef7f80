/**
 * The `airlock` command line. Commands throw typed errors; this is the one place that prints them and turns
 * them into the exit codes documented in the README.
 */
import { Command, CommanderError } from 'commander';
import { AirlockError, ExitCode, ValidationError } from '../errors';

type Commands = Readonly<Record<string, (setExit: (code: number) => void) => Command>>;

/**
 * Every command by name, each module required only when its command is built: a run builds only the command
 * it runs, so `airlock synth` does not load the code of fourteen other commands (about 50 ms of every run).
 */
/* eslint-disable @typescript-eslint/no-var-requires */
const COMMANDS: Commands = {
  synth: (setExit) => (require('./commands/synth') as typeof import('./commands/synth')).synthCommand(setExit),
  new: () => (require('./commands/new') as typeof import('./commands/new')).newCommand(),
  list: () => (require('./commands/list') as typeof import('./commands/list')).listCommand(),
  plan: (setExit) => (require('./commands/plan') as typeof import('./commands/plan')).planCommand(setExit),
  propose: () => (require('./commands/propose') as typeof import('./commands/propose')).proposeCommand(),
  lift: () => (require('./commands/propose') as typeof import('./commands/propose')).liftCommand(),
  expire: () => (require('./commands/propose') as typeof import('./commands/propose')).expireCommand(),
  label: () => (require('./commands/label') as typeof import('./commands/label')).labelCommand(),
  status: (setExit) => (require('./commands/status') as typeof import('./commands/status')).statusCommand(setExit),
  audit: () => (require('./commands/audit') as typeof import('./commands/audit')).auditCommand(),
  analyze: () => (require('./commands/analyze') as typeof import('./commands/analyze')).analyzeCommand(),
  webhook: () => (require('./commands/webhook') as typeof import('./commands/webhook')).webhookCommand(),
  serve: () => (require('./commands/serve') as typeof import('./commands/serve')).serveCommand(),
  bootstrap: () => (require('./commands/bootstrap') as typeof import('./commands/bootstrap')).bootstrapCommand(),
  'sync-notify': (setExit) => (require('./commands/sync-notify') as typeof import('./commands/sync-notify')).syncNotifyCommand(setExit),
};
/* eslint-enable @typescript-eslint/no-var-requires */

/**
 * The command word of `argv` when it names a command (global options skipped), else undefined (no command,
 * `help`, a typo: those need every command, for the help text and commander's suggestions).
 */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-C' || arg === '--project') i++;
    else if (arg === '--') return undefined;
    else if (!arg.startsWith('-')) return Object.hasOwn(COMMANDS, arg) ? arg : undefined;
  }
  return undefined;
}

/**
 * Builds the program; `setExit` lets a command end with a non-zero code without throwing (drift, ineffective).
 * `only` builds just that command (the one a run dispatches to); by default every command.
 */
export function program(setExit: (code: number) => void, only?: string): Command {
  const root = new Command('airlock')
    .description('incident containment as code for Kubernetes: incidents/<ID>.ts → dist/ → git → Argo CD / Flux')
    .option('-C, --project <dir>', 'project root (default: the current directory)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const [name, build] of Object.entries(COMMANDS)) {
    if (only === undefined || name === only) root.addCommand(build(setExit));
  }
  return throughRun(root);
}

/**
 * A command, and every command under it (`synth`, `webhook serve`), that hands its usage errors back to run() for
 * the documented exit code instead of exiting with commander's own 1, and shows where to find help. Set once the
 * tree is built: commander copies such settings only into subcommands made after them.
 */
function throughRun(command: Command): Command {
  command.exitOverride().showHelpAfterError('(run with --help for usage)');
  for (const sub of command.commands) throughRun(sub);
  return command;
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
    await program((c) => (code = c), commandWord(argv)).parseAsync([...argv], { from: 'user' });
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
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { codeCacheInstalled } = require('./code-cache') as { codeCacheInstalled(): boolean };
    const positions = codeCacheInstalled() ? '(positions in Airlock\'s own .ts files are in compiled code; AIRLOCK_CODE_CACHE=0 shows source lines)\n' : '';
    process.stderr.write(`airlock: internal error (a bug; please report it with this trace):\n${(e as Error).stack ?? String(e)}\n${positions}`);
    return ExitCode.internal;
  }
}
