/**
 * A throwaway project inside a real git work tree whose `origin` is a bare repository in a temp dir: what the
 * git delivery tests (propose, lift, expire, audit, label) run against.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeProject } from './project';
import { tempDir } from './temp-dir';

// Hermetic git for this process and the CLI it spawns: no machine configuration, a fixed identity.
Object.assign(process.env, {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Responder',
  GIT_AUTHOR_EMAIL: 'responder@example.test',
  GIT_COMMITTER_NAME: 'Responder',
  GIT_COMMITTER_EMAIL: 'responder@example.test',
});

/** Runs git in `cwd` and returns stdout. */
export const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' });

/** Creates the project (incidents and policy overrides as in makeProject), commits it and pushes `main`. */
export function gitProject(incidents: Readonly<Record<string, string>>, policies: Readonly<Record<string, string>> = {}): { root: string; remote: string } {
  const root = makeProject({ incidents, policies });
  const remote = path.join(tempDir('airlock-remote-'), 'gitops.git');
  git(root, '-c', 'init.defaultBranch=main', 'init', '--quiet');
  fs.writeFileSync(path.join(root, '.gitignore'), 'node_modules\n.airlock/\n');
  git(root, 'add', '.gitignore', 'policies', 'src');
  git(root, 'commit', '--quiet', '-m', 'seed');
  git(root, '-c', 'init.defaultBranch=main', 'init', '--quiet', '--bare', remote);
  git(root, 'remote', 'add', 'origin', remote);
  git(root, 'push', '--quiet', '-u', 'origin', 'main');
  return { root, remote };
}
