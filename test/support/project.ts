/**
 * Throwaway Airlock projects for end-to-end tests: a temp dir with the real `src/` and `node_modules/`
 * (symlinked), the repository's `policies/`, and the incidents a test writes. The real CLI runs in it.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectCacheFiles } from '../../src/project/incident-cache';
import { removeAtExit, tempDir } from './temp-dir';

/** The repository root. */
export const REPO = path.resolve(__dirname, '../..');

/** Options of {@link makeProject}. */
export interface ProjectOptions {
  /** File name → source, written to `incidents/`. @default the repository's example incidents */
  readonly incidents?: Readonly<Record<string, string>>;
  /** File name → source, written over the repository's `policies/`. @default none */
  readonly policies?: Readonly<Record<string, string>>;
}

/** Creates a project in a temp dir; returns its root. */
export function makeProject(options: ProjectOptions = {}): string {
  const root = tempDir('airlock-project-');
  fs.symlinkSync(path.join(REPO, 'src'), path.join(root, 'src'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  // The project's caches land in the repository's node_modules (the symlink): they go with the project.
  for (const file of projectCacheFiles(root)) removeAtExit(file);
  fs.cpSync(path.join(REPO, 'policies'), path.join(root, 'policies'), { recursive: true });
  for (const [name, text] of Object.entries(options.policies ?? {})) fs.writeFileSync(path.join(root, 'policies', name), text);
  fs.mkdirSync(path.join(root, 'incidents'));
  if (options.incidents) {
    for (const [name, text] of Object.entries(options.incidents)) fs.writeFileSync(path.join(root, 'incidents', name), text);
  } else {
    fs.cpSync(path.join(REPO, 'incidents'), path.join(root, 'incidents'), { recursive: true });
  }
  return root;
}

/** Result of a CLI run. */
export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `airlock` executable in `cwd`, with `env` added to this process's environment. */
export function airlock(cwd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): CliResult {
  const result = spawnSync(process.execPath, [path.join(REPO, 'src/cli/bin.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the real `airlock` without blocking this process's event loop (for tests that serve HTTP on loopback). */
export function airlockAsync(cwd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'src/cli/bin.js'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

/** Every file under a directory with its bytes, for byte-for-byte comparisons. */
export function snapshotTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!fs.existsSync(dir)) return files;
  const walk = (d: string, prefix: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else files.set(`${prefix}${e.name}`, fs.readFileSync(path.join(d, e.name), 'utf8'));
    }
  };
  walk(dir, '');
  return files;
}

/** A small valid incident file. */
export function incidentSource(id: string, actions: string, extra = ''): string {
  return `import { defineIncident, isolate, quarantineNamespace, restrictEgress, blockImages, captureEvidence } from '../src';
export default defineIncident({
  id: '${id}',
  title: 'Test incident ${id}',
  severity: 'high',
  openedAt: '2026-11-22T03:12:00Z',
  owner: 'sre-oncall',${extra}
  actions: [${actions}],
});
`;
}
