/**
 * Real git repositories for the git layer's tests: a bare remote in a temporary folder and clones of it, with
 * identities and the default branch set explicitly so the tests run on a machine without any git configuration.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../support/temp-dir';

// Hermetic git: ignore the machine's global and system configuration (a global commit.gpgSign would break
// every commit). The library passes the inherited environment through, so this also exercises that path.
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

/** Runs git synchronously in `cwd` and returns stdout. Throws with stderr on failure. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs git with `input` on stdin. */
export function gitInput(cwd: string, input: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A scratch world: one bare remote (`origin`) with `main` holding a seed commit. */
export interface World {
  readonly root: string;
  readonly remote: string;
  /** Makes a new clone with its own identity. */
  clone(name: string): string;
  dispose(): void;
}

const DEFAULT_SEED: Readonly<Record<string, string>> = { 'README.md': '# gitops\n', 'policies/settings.ts': 'export default {};\n' };

/** Seeded remote and clone, built once per test process and copied for each world (copying beats cloning). */
let template: { remote: string; clone: string } | undefined;

function seededTemplate(): { remote: string; clone: string } {
  if (template) return template;
  const root = tempDir('airlock-git-template-');
  const remote = join(root, 'remote.git');
  git(root, '-c', 'init.defaultBranch=main', 'init', '--quiet', '--bare', remote);
  const clone = join(root, 'clone');
  git(root, '-c', 'init.defaultBranch=main', 'clone', '--quiet', remote, clone);
  git(clone, 'checkout', '--quiet', '-B', 'main');
  for (const [file, content] of Object.entries(DEFAULT_SEED)) write(clone, file, content);
  git(clone, 'add', '-A');
  git(clone, '-c', 'user.name=seed', '-c', 'user.email=seed@example.test', 'commit', '--quiet', '-m', 'seed');
  git(clone, 'push', '--quiet', '-u', 'origin', 'main');
  template = { remote, clone };
  return template;
}

/** Creates a bare remote whose `main` holds a seed commit (a README and a settings file). */
export function createWorld(): World {
  const seed = seededTemplate();
  const root = tempDir('airlock-git-test-');
  const remote = join(root, 'remote.git');
  cpSync(seed.remote, remote, { recursive: true });
  const clone = (name: string): string => {
    const dir = join(root, name);
    cpSync(seed.clone, dir, { recursive: true });
    git(dir, 'remote', 'set-url', 'origin', remote);
    git(dir, 'config', 'user.name', `${name} responder`);
    git(dir, 'config', 'user.email', `${name}@example.test`);
    return dir;
  };
  return { root, remote, clone, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/** Writes a file under `dir`, creating folders. */
export function write(dir: string, file: string, content: string): void {
  mkdirSync(dirname(join(dir, file)), { recursive: true });
  writeFileSync(join(dir, file), content);
}

/** Commits everything in `dir` and pushes `main`: "someone else" landing a change. */
export function landOnMain(dir: string, files: Record<string, string>, subject = 'someone else'): string {
  git(dir, 'pull', '--quiet', '--ff-only', 'origin', 'main');
  for (const [file, content] of Object.entries(files)) write(dir, file, content);
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', subject);
  git(dir, 'push', '--quiet', 'origin', 'HEAD:main');
  return git(dir, 'rev-parse', 'HEAD').trim();
}

/** The commit a branch of the bare remote points at, or undefined. */
export function remoteHead(world: World, branch: string): string | undefined {
  try {
    return git(world.remote, 'rev-parse', '--verify', '-q', `refs/heads/${branch}`).trim();
  } catch {
    return undefined;
  }
}

/** Files a commit changed relative to its first parent. */
export function changedFiles(repo: string, commit: string): string[] {
  return git(repo, 'diff-tree', '--no-commit-id', '--name-status', '-r', commit)
    .trim()
    .split('\n')
    .filter(Boolean);
}

/** Trailers of a commit as real git parses them (`git interpret-trailers --parse`). */
export function gitTrailers(repo: string, commit: string): string[] {
  const message = git(repo, 'log', '-1', '--format=%B', commit);
  return gitInput(repo, message, 'interpret-trailers', '--parse').trim().split('\n').filter(Boolean);
}

/** Retry settings that never wait and record the delays asked for. */
export function instantRetry(attempts = 5): { attempts: number; baseDelayMs: number; random: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  const slept: number[] = [];
  return { attempts, baseDelayMs: 100, random: () => 0.5, sleep: async (ms) => void slept.push(ms), slept };
}

/** The entries of the index file `index` of the repository in `dir`, as `git ls-files -s` lists them. */
export function lsFiles(dir: string, index: string): Map<string, { mode: string; oid: string }> {
  const out = execFileSync('git', ['ls-files', '-s', '-z'], { cwd: dir, env: { ...process.env, GIT_INDEX_FILE: index }, encoding: 'utf8' });
  return new Map(
    out
      .split('\0')
      .filter(Boolean)
      .map((record) => {
        const [meta, path] = record.split('\t') as [string, string];
        const [mode, oid] = meta.split(' ') as [string, string];
        return [path, { mode, oid }] as const;
      }),
  );
}
