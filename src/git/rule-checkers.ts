/**
 * Long-lived `git check-ignore --stdin` and `git check-attr --stdin` for one work tree: work-tree-blobs.ts asks
 * them about every batch's paths. Starting them per batch cost two process starts (some 10 ms of fork each from
 * the intake's large process, synchronously, plus git's own start).
 *
 * Both keep the rule files they have read (checked with git 2.39: an edited .gitignore is not seen by a running
 * check-ignore), so they are replaced before a question whenever a file they may have read has changed since it
 * was last looked at: the `.gitignore` and `.gitattributes` of the top and of every folder on the way to a path
 * asked about, the repository's `info/exclude`, `info/attributes` and config, the user's and the system's git
 * config, ignore and attributes files, and the files `core.excludesFile` and `core.attributesFile` name. Not
 * watched: a config file pulled in through `include.path`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gitPaths, GitProcess, runGitWithInput, type AnswerParser } from './git-process';

/** Attributes that make git store something other than a file's bytes. */
const CONVERTING_ATTRIBUTES = ['filter', 'ident', 'working-tree-encoding'] as const;

/** What the rules say about a batch's paths. */
export interface RuleAnswers {
  /** The paths asked about that are ignored (not re-included by a `!` pattern). */
  readonly ignored: ReadonlySet<string>;
  /** Whether any file asked about has a converting attribute set. */
  readonly converting: boolean;
}

/** An answer of `count` NUL-terminated fields (the fields of every path asked about, in order). */
function nulFields(count: number): AnswerParser<string[]> {
  return (buffer) => {
    let at = 0;
    for (let seen = 0; seen < count; seen++) {
      const nul = buffer.indexOf(0, at);
      if (nul < 0) return undefined;
      at = nul + 1;
    }
    return { value: buffer.toString('utf8', 0, at).split('\0').slice(0, count), length: at };
  };
}

/** A file's identity and times, or `-` when it does not exist. */
function stampOf(file: string): string {
  const s = fs.statSync(file, { throwIfNoEntry: false });
  return s ? `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}` : '-';
}

/** The git configuration files and rule files outside the work tree, as git 2.39 finds them. */
function userAndSystemFiles(): string[] {
  const xdg = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  const global = process.env.GIT_CONFIG_GLOBAL ? [process.env.GIT_CONFIG_GLOBAL] : [path.join(os.homedir(), '.gitconfig'), path.join(xdg, 'git', 'config')];
  const system = process.env.GIT_CONFIG_NOSYSTEM ? [] : [process.env.GIT_CONFIG_SYSTEM || '/etc/gitconfig'];
  return [...global, ...system, path.join(xdg, 'git', 'ignore'), path.join(xdg, 'git', 'attributes'), '/etc/gitattributes'];
}

/** The check-ignore and check-attr processes of one work tree. */
export class RuleCheckers {
  private ignore: GitProcess | undefined;
  private attributes: GitProcess | undefined;
  /** Files outside the work tree that the rules come from (resolved once). */
  private fixed: Promise<string[]> | undefined;
  /** The stamp of each watched file when it was last looked at, while the processes run. */
  private readonly seen = new Map<string, string>();
  /** Pairs of processes started so far (tests). */
  started = 0;

  constructor(
    /** The top of the work tree. */
    readonly top: string,
  ) {}

  /** What the rules say about `asked` (ignore rules only) and `files` (both), repository-relative. */
  async check(asked: readonly string[], files: readonly string[]): Promise<RuleAnswers> {
    await this.restartIfChanged([...asked, ...files]);
    if (!this.ignore) this.started++;
    this.ignore ??= new GitProcess(this.top, ['check-ignore', '--no-index', '-z', '-v', '-n', '--stdin']);
    this.attributes ??= new GitProcess(this.top, ['check-attr', '-z', '--stdin', ...CONVERTING_ATTRIBUTES]);
    const questions = [...asked, ...files];
    const [ignoreFields, attributeFields] = await Promise.all([
      questions.length > 0 ? this.ignore.request(`${questions.join('\0')}\0`, nulFields(4 * questions.length)) : Promise.resolve([]),
      files.length > 0 ? this.attributes.request(`${files.join('\0')}\0`, nulFields(3 * CONVERTING_ATTRIBUTES.length * files.length)) : Promise.resolve([]),
    ]);
    // check-ignore -v -n: source, line, pattern, path per path; a `!` pattern re-includes.
    const ignored = new Set<string>();
    for (let i = 0; i + 3 < ignoreFields.length; i += 4) {
      const pattern = ignoreFields[i + 2]!;
      if (pattern !== '' && !pattern.startsWith('!')) ignored.add(ignoreFields[i + 3]!);
    }
    // check-attr: path, attribute, value per attribute and path.
    let converting = false;
    for (let i = 2; i < attributeFields.length; i += 3) if (attributeFields[i] !== 'unspecified' && attributeFields[i] !== 'unset') converting = true;
    return { ignored, converting };
  }

  /** Stops the processes. */
  close(): void {
    this.ignore?.close();
    this.attributes?.close();
    this.ignore = undefined;
    this.attributes = undefined;
    this.fixed = undefined;
    this.seen.clear();
  }

  /** Replaces the processes when a watched file changed since it was last looked at; records the stamps of the rest. */
  private async restartIfChanged(paths: readonly string[]): Promise<void> {
    const watched = new Set(await this.fixedFiles());
    for (const p of paths) {
      const parts = p.replace(/\/$/, '').split('/');
      for (let i = 0; i < parts.length; i++) {
        const dir = path.join(this.top, ...parts.slice(0, i));
        watched.add(path.join(dir, '.gitignore'));
        watched.add(path.join(dir, '.gitattributes'));
      }
    }
    const stamps = [...watched].map((file) => [file, stampOf(file)] as const);
    if (stamps.some(([file, stamp]) => this.seen.has(file) && this.seen.get(file) !== stamp)) this.close();
    for (const [file, stamp] of stamps) this.seen.set(file, stamp);
  }

  private fixedFiles(): Promise<string[]> {
    this.fixed ??= (async () => {
      const repository = await gitPaths(this.top, ['info/exclude', 'info/attributes', 'config', 'config.worktree']);
      const named = await Promise.all(
        ['core.excludesFile', 'core.attributesFile'].map((key) =>
          runGitWithInput(this.top, ['config', '--path', '--get', key], '').then(
            (out) => [path.resolve(this.top, out.toString('utf8').trim())],
            () => [], // not set
          ),
        ),
      );
      return [...repository, ...userAndSystemFiles(), ...named.flat()];
    })();
    return this.fixed;
  }
}

const checkers = new Map<string, RuleCheckers>();

/** The rule checkers of the work tree whose top is `top`, kept for the life of the process. */
export function ruleCheckers(top: string): RuleCheckers {
  let c = checkers.get(top);
  if (!c) {
    c = new RuleCheckers(top);
    checkers.set(top, c);
  }
  return c;
}
