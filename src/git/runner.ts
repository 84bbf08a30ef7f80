/**
 * The one place that runs git commands (through simple-git, over the real git binary). Everything else in src/git
 * asks this module for a {@link Git} and gets back stdout, or a {@link GitCommandError} with git's exit code and
 * stderr. (Objects are read and written through long-lived git processes instead: git-process.ts, object-store.ts.)
 *
 * Why a wrapper: simple-git treats "non-zero exit without stderr" as success (so `merge-base --is-ancestor` would
 * always say yes), and some operations need an extra environment variable (`GIT_INDEX_FILE` for a private index,
 * `GIT_AUTHOR_*`). Setting any environment in simple-git switches on its guard against dangerous variables
 * (`GIT_SSH_COMMAND`, `EDITOR`, ...). Those come from the responder's own environment, which plain git honours
 * too; Airlock adds only the variables named above, so the guard is relaxed for exactly the categories the
 * inherited environment triggers and nothing else.
 *
 * Performance: simple-git waits an extra 50 ms after any command that printed nothing at all. Callers prefer forms
 * that always print (`add --verbose`, `merge-base A B` over `--is-ancestor`); for commands that cannot print
 * (`read-tree`, `update-ref`) they pass `{ quiet: true }`, which sets `GIT_TRACE` so git announces itself on
 * stderr (the trace line is dropped again from error text).
 */
import { existsSync } from 'node:fs';
import { GitError, simpleGit, type SimpleGit, type SimpleGitOptions } from 'simple-git';
import { GitDeliveryError } from './errors';

/** A git invocation that exited non-zero (or could not start). */
export class GitCommandError extends Error {
  constructor(
    /** The arguments after `git`. */
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} exited with ${exitCode}: ${stderr.trim() || stdout.trim() || 'no output'}`);
    this.name = 'GitCommandError';
  }

  /** Git's own explanation, first lines only, for messages shown to people. */
  get reason(): string {
    const text = (this.stderr.trim() || this.stdout.trim()).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('hint:'));
    return text.slice(0, 3).join(' / ') || `exit code ${this.exitCode}`;
  }
}

/** Per-call options. */
export interface RunOptions {
  /** The command prints nothing on success (`read-tree`, `update-ref`): avoid simple-git's 50 ms grace wait. */
  readonly quiet?: boolean;
}

/** Runs git in one directory. */
export interface Git {
  /** The directory git runs in (the top of the work tree for repositories Airlock opened). */
  readonly dir: string;
  /** Runs git and returns stdout; throws {@link GitCommandError} on a non-zero exit. */
  run(args: readonly string[], options?: RunOptions): Promise<string>;
  /** Runs git and reports the exit code instead of throwing (for commands whose exit code is the answer). */
  attempt(args: readonly string[], options?: RunOptions): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** The same repository with extra environment variables (e.g. a private `GIT_INDEX_FILE`). */
  withEnv(extra: Readonly<Record<string, string>>): Git;
}

/** The line `GIT_TRACE=1` adds to stderr, e.g. `18:06:42.067899 git.c:460    trace: built-in: git read-tree`. */
const TRACE_LINE = /^\d\d:\d\d:\d\d\.\d+ \S+ +trace: .*(\n|$)/gm;

type UnsafeFlags = NonNullable<Partial<SimpleGitOptions>['unsafe']>;
type UnsafeCategory = keyof UnsafeFlags;

/** Environment variables simple-git (3.36) refuses unless told otherwise, and the flag that allows each. */
const ENV_CATEGORIES: Readonly<Record<string, UnsafeCategory>> = {
  editor: 'allowUnsafeEditor',
  git_askpass: 'allowUnsafeAskPass',
  git_config_global: 'allowUnsafeConfigPaths',
  git_config_system: 'allowUnsafeConfigPaths',
  git_config_count: 'allowUnsafeConfigEnvCount',
  git_config: 'allowUnsafeConfigPaths',
  git_editor: 'allowUnsafeEditor',
  git_exec_path: 'allowUnsafeConfigPaths',
  git_external_diff: 'allowUnsafeDiffExternal',
  git_pager: 'allowUnsafePager',
  git_proxy_command: 'allowUnsafeGitProxy',
  git_template_dir: 'allowUnsafeTemplateDir',
  git_sequence_editor: 'allowUnsafeEditor',
  git_ssh: 'allowUnsafeSshCommand',
  git_ssh_command: 'allowUnsafeSshCommand',
  pager: 'allowUnsafePager',
  prefix: 'allowUnsafeConfigPaths',
  ssh_askpass: 'allowUnsafeAskPass',
};

/** Configuration keys (set through `GIT_CONFIG_KEY_n`) simple-git guards, and the flag that allows each. */
const CONFIG_CATEGORIES: readonly (readonly [RegExp, UnsafeCategory])[] = [
  [/^alias\./, 'allowUnsafeAlias'],
  [/^core\.askpass$/, 'allowUnsafeAskPass'],
  [/^core\.(editor)$/, 'allowUnsafeEditor'],
  [/^sequence\.editor$/, 'allowUnsafeEditor'],
  [/^core\.fsmonitor$/, 'allowUnsafeFsMonitor'],
  [/^core\.gitproxy$/, 'allowUnsafeGitProxy'],
  [/^core\.hookspath$/, 'allowUnsafeHooksPath'],
  [/^core\.pager$/, 'allowUnsafePager'],
  [/^core\.sshcommand$/, 'allowUnsafeSshCommand'],
  [/^credential\./, 'allowUnsafeCredentialHelper'],
  [/^diff\./, 'allowUnsafeDiffExternal'],
  [/^diff\..*textconv$/, 'allowUnsafeDiffTextConv'],
  [/^filter\./, 'allowUnsafeFilter'],
  [/^gpg\./, 'allowUnsafeGpgProgram'],
  [/^init\.templatedir$/, 'allowUnsafeTemplateDir'],
  [/^merge\./, 'allowUnsafeMergeDriver'],
  [/^mergetool\./, 'allowUnsafeMergeDriver'],
  [/^protocol\./, 'allowUnsafeProtocolOverride'],
  [/^remote\./, 'allowUnsafePack'],
];

/** The guard flags needed to pass the inherited environment through unchanged (and only those). */
function allowancesFor(env: NodeJS.ProcessEnv): UnsafeFlags {
  const flags: Record<string, boolean> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    const category = ENV_CATEGORIES[lower];
    if (category) flags[category] = true;
    if (/^git_config_key_\d+$/.test(lower)) {
      for (const [pattern, cat] of CONFIG_CATEGORIES) if (pattern.test(value.trim().toLowerCase())) flags[cat] = true;
    }
  }
  return flags as UnsafeFlags;
}

/** Turns every non-zero exit into a {@link GitError} that carries the exit code and both streams. */
function errorsWithDetail(
  error: Buffer | Error | undefined,
  result: { exitCode: number; stdOut: Buffer[]; stdErr: Buffer[] },
): Buffer | Error | undefined {
  if (result.exitCode === 0) return error;
  const stderr = Buffer.concat(result.stdErr).toString('utf8');
  const detail = new GitError(undefined, stderr || (error instanceof Error ? error.message : `exit ${result.exitCode}`));
  return Object.assign(detail, {
    airlockExitCode: result.exitCode,
    airlockStdout: Buffer.concat(result.stdOut).toString('utf8'),
    airlockStderr: stderr || (error instanceof Error ? error.message : ''),
  });
}

class SimpleGitRunner implements Git {
  private readonly git: SimpleGit;
  private tracedGit: SimpleGit | undefined;

  constructor(
    readonly dir: string,
    private readonly extraEnv: Readonly<Record<string, string>>,
  ) {
    const withEnv = Object.keys(extraEnv).length > 0;
    this.git = simpleGit({
      baseDir: dir,
      maxConcurrentProcesses: 4,
      trimmed: false,
      errors: errorsWithDetail,
      ...(withEnv ? { unsafe: allowancesFor(process.env) } : {}),
    });
    if (withEnv) this.git.env({ ...process.env, ...extraEnv });
  }

  async run(args: readonly string[], options: RunOptions = {}): Promise<string> {
    const runner = options.quiet ? this.traced() : this.git;
    try {
      return await runner.raw([...args]);
    } catch (error) {
      const e = error as { airlockExitCode?: number; airlockStdout?: string; airlockStderr?: string; message?: string };
      const stderr = (e.airlockStderr ?? String(e.message ?? error)).replace(TRACE_LINE, '');
      throw new GitCommandError(args, e.airlockExitCode ?? -1, e.airlockStdout ?? '', stderr);
    }
  }

  async attempt(args: readonly string[], options: RunOptions = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    try {
      return { exitCode: 0, stdout: await this.run(args, options), stderr: '' };
    } catch (error) {
      if (error instanceof GitCommandError && error.exitCode >= 0) {
        return { exitCode: error.exitCode, stdout: error.stdout, stderr: error.stderr };
      }
      throw error;
    }
  }

  /** The same runner with `GIT_TRACE=1`, so even a silent command writes one line (to stderr). */
  private traced(): SimpleGit {
    this.tracedGit ??= new SimpleGitRunner(this.dir, { ...this.extraEnv, GIT_TRACE: '1' }).git;
    return this.tracedGit;
  }

  withEnv(extra: Readonly<Record<string, string>>): Git {
    return new SimpleGitRunner(this.dir, { ...this.extraEnv, ...extra });
  }
}

/** A {@link Git} for a directory (no checks: see `openWorkTree` for that). */
export function gitAt(dir: string): Git {
  return new SimpleGitRunner(dir, {});
}

/** Tops of work trees already found, by the directory asked about (a long-running intake asks every batch). */
const tops = new Map<string, string>();

/** Opens the work tree containing `cwd` at its top, so every path is repository-relative. */
export async function openWorkTree(cwd: string): Promise<Git> {
  const known = tops.get(cwd);
  if (known !== undefined && existsSync(known)) return gitAt(known);
  let top: string;
  try {
    top = (await gitAt(cwd).run(['rev-parse', '--show-toplevel'])).trim();
  } catch (error) {
    const reason = error instanceof GitCommandError ? error.reason : error instanceof Error ? error.message : String(error);
    throw new GitDeliveryError(`open repository at ${cwd}`, reason, 'run Airlock inside a clone of the GitOps repository');
  }
  if (top === '') throw new GitDeliveryError(`open repository at ${cwd}`, 'not inside a work tree', 'run Airlock inside a clone (not a bare repository)');
  tops.set(cwd, top);
  return gitAt(top);
}
