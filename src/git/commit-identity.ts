/**
 * Who commits, as `git var -l` says: the author and committer lines Airlock writes into the commits it builds
 * itself (repository.ts), or none when git must make the commits (signing, a non-UTF-8 encoding, no identity).
 *
 * Cached per repository for a long-lived process (the intake's writer asks every batch, and each git start
 * costs ~8 ms of fork on its event loop): the answer is kept while every configuration file git reads is as it
 * was (same size, modification time and inode) and the environment variables that feed it are the same; only
 * the time in the lines is renewed, as git would. Not cached when the configuration includes other files
 * (`include.path`, `includeIf`) or the dates are fixed by the environment (`GIT_AUTHOR_DATE`…): those are asked
 * every time.
 */
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Git } from './runner';

/** Author and committer lines of the commits (`Name <email> time tz`), as `git commit-tree` would write them. */
export interface CommitIdentity {
  readonly author: string;
  readonly committer: string;
}

/** What `git var -l` told, and what it depends on. */
interface Known {
  readonly fingerprint: string;
  readonly identity: CommitIdentity | undefined;
}

const known = new Map<string, Known>();
const gitDirs = new Map<string, { readonly gitDir: string; readonly commonDir: string }>();

/** Environment variables that change what `git var -l` answers. */
const IDENTITY_ENV = /^(GIT_(AUTHOR|COMMITTER)_(NAME|EMAIL|DATE)|EMAIL|HOME|XDG_CONFIG_HOME|GIT_CONFIG.*|GIT_DIR|GIT_COMMON_DIR|GIT_WORK_TREE|PREFIX)$/;

/**
 * The identity for commits made in `git`'s repository with the inherited environment (see the module comment
 * for when it is asked again). `now` is the clock, in ms.
 */
export async function cachedCommitIdentity(git: Git, now: () => number = Date.now): Promise<CommitIdentity | undefined> {
  const fingerprint = await configFingerprint(git);
  const cached = known.get(git.dir);
  if (cached && cached.fingerprint === fingerprint) return cached.identity && { author: renewTime(cached.identity.author, now()), committer: renewTime(cached.identity.committer, now()) };
  const { identity, cacheable } = await askCommitIdentity(git);
  if (cacheable && !/GIT_(AUTHOR|COMMITTER)_DATE/.test(fingerprint)) known.set(git.dir, { fingerprint, identity });
  else known.delete(git.dir);
  return identity;
}

/**
 * The identity git would write now (`git var -l`), and whether that answer may be cached (its configuration
 * includes no other file). Undefined when git must make the commits itself: they are to be signed
 * (`commit.gpgSign`), have a non-UTF-8 encoding, or git knows no identity (commit-tree then says so).
 */
export async function askCommitIdentity(git: Git): Promise<{ identity: CommitIdentity | undefined; cacheable: boolean }> {
  const vars = await git.attempt(['var', '-l']);
  if (vars.exitCode !== 0) return { identity: undefined, cacheable: false };
  const values = new Map<string, string>();
  for (const line of vars.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq).toLowerCase(), line.slice(eq + 1));
  }
  const cacheable = ![...values.keys()].some((key) => key.startsWith('include.') || key.startsWith('includeif.'));
  const author = values.get('git_author_ident');
  const committer = values.get('git_committer_ident');
  const signed = /^(true|yes|on|1)$/i.test(values.get('commit.gpgsign') ?? '');
  const encoding = values.get('i18n.commitencoding');
  if (!author || !committer || signed || (encoding !== undefined && !/^utf-?8$/i.test(encoding))) return { identity: undefined, cacheable };
  return { identity: { author, committer }, cacheable };
}

/** The stamps of every configuration file git reads for this repository, and the environment that matters. */
async function configFingerprint(git: Git): Promise<string> {
  let dirs = gitDirs.get(git.dir);
  if (!dirs) {
    const [gitDir = '', commonDir = ''] = (await git.run(['rev-parse', '--absolute-git-dir', '--git-common-dir'])).trim().split('\n');
    dirs = { gitDir, commonDir: isAbsolute(commonDir) ? commonDir : resolve(git.dir, commonDir) };
    gitDirs.set(git.dir, dirs);
  }
  const env = process.env;
  const home = env.HOME ?? homedir();
  const xdg = env.XDG_CONFIG_HOME || join(home, '.config');
  const files = [
    join(dirs.commonDir, 'config'),
    join(dirs.gitDir, 'config.worktree'),
    env.GIT_CONFIG_GLOBAL ?? join(home, '.gitconfig'),
    env.GIT_CONFIG_GLOBAL === undefined ? join(xdg, 'git', 'config') : '',
    env.GIT_CONFIG_NOSYSTEM ? '' : (env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig'),
  ].filter(Boolean);
  const stamps = files.map((file) => {
    const s = statSync(file, { bigint: true, throwIfNoEntry: false });
    return s ? `${file}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}` : `${file}:-`;
  });
  const vars = Object.keys(env)
    .filter((name) => IDENTITY_ENV.test(name))
    .sort()
    .map((name) => `${name}=${env[name]}`);
  return JSON.stringify([stamps, vars]);
}

/** An ident line (`Name <email> <seconds> <±hhmm>`) with the time replaced by `ms` in the local time zone, as git writes it. */
function renewTime(ident: string, ms: number): string {
  const offset = -new Date(ms).getTimezoneOffset();
  const abs = Math.abs(offset);
  const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return ident.replace(/ \d+ [+-]\d{4}$/, ` ${Math.floor(ms / 1000)} ${zone}`);
}
