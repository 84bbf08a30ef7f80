/**
 * Typed errors. Each is raised where the problem is found, carries enough context to act on, and is printed
 * once, by the CLI, with the exit code documented in the README.
 */

/** Process exit codes; the README documents them. */
export const ExitCode = {
  /** Success. */
  ok: 0,
  /** `synth --check` found drift, or a command found what it was asked to look for (documented per command). */
  drift: 1,
  /** Bad usage: unknown flag, missing argument. */
  usage: 2,
  /** Invalid input: an incident, policy or inventory file failed validation. Nothing was written. */
  invalid: 3,
  /** `plan`: at least one action is not effective. */
  ineffective: 4,
  /** Git or forge operation failed. */
  git: 5,
  /** Anything unexpected (a bug): reported with a stack trace. */
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One problem with one field of one file. */
export interface Problem {
  /** File, relative to the project root (or as given on the command line). */
  readonly file: string;
  /** Field path inside the declaration, e.g. `actions[0].allow[1].cidr`; empty for the whole file. */
  readonly field: string;
  /** What is wrong. */
  readonly message: string;
  /** What would be accepted. */
  readonly hint?: string;
  /** 1-based line (and column) when known, e.g. for TypeScript errors. */
  readonly line?: number;
  readonly column?: number;
}

/** Base class of every error Airlock reports without a stack trace. */
export class AirlockError extends Error {
  constructor(
    message: string,
    /** Exit code the CLI uses for this error. */
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input failed validation; `problems` lists every problem found, across all files. */
export class ValidationError extends AirlockError {
  constructor(readonly problems: readonly Problem[]) {
    super(formatProblems(problems), ExitCode.invalid);
  }
}

/** Renders problems the way compilers do: `file:line:col field: message (hint)`. */
export function formatProblems(problems: readonly Problem[]): string {
  const n = problems.length;
  const lines = problems.map((p) => {
    const where = p.line ? `${p.file}:${p.line}${p.column ? `:${p.column}` : ''}` : p.file;
    const field = p.field ? ` ${p.field}:` : '';
    const hint = p.hint ? `\n    accepted: ${p.hint}` : '';
    return `  ${where}${field} ${p.message}${hint}`;
  });
  return `${n} problem${n === 1 ? '' : 's'} found; nothing was written\n${lines.join('\n')}`;
}

/** Bad command-line usage. */
export class UsageError extends AirlockError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}
