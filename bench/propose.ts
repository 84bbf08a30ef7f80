/**
 * Git delivery benchmark: a new incident written → synthesized → committed → branch pushed to a local bare
 * remote, in a repository that already holds 1,000 incidents (committed with their dist/). Measured in process
 * (the library path the alert intake uses) and through the CLI (process start included). Target p50 ≤ 400 ms.
 * Also: how much of it is synthesis (synthProject alone for the same step), and a batch of ten incidents
 * proposed at once (proposeIncidents: one synthesis, one fetch, ten commits, one push), as the intake does.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectCacheFiles } from '../src/project/incident-cache';
import { synthProject } from '../src/synth/synth-project';
import { proposeIncident, proposeIncidents } from '../src/workflow/propose-incident';
import { trash } from './trash';

const REPO = path.resolve(__dirname, '..');

/** One scenario's figures. */
export interface ProposeBenchResult {
  readonly name: string;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly runs: number;
  readonly notes: string;
}

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' });

function source(id: string, i: number): string {
  return `import { defineIncident, isolate } from '../src';
export default defineIncident({ id: '${id}', title: 'Bench ${i}', severity: 'high', openedAt: '2026-11-22T03:12:00Z', owner: 'bench', actions: [isolate({ namespace: 'ns-${i % 50}', pod: 'app-${i}-7d9f8c-x2x4k' })] });
`;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]);
}

/** The bare remote of a bench project, a folder beside the project (removed with it at the end). */
function remoteOf(root: string): string {
  return path.join(root, '..', `${path.basename(root)}-remote.git`);
}

/** A git project with `n` incidents committed and pushed to a bare remote. */
function project(n: number): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-git-'));
  fs.symlinkSync(path.join(REPO, 'src'), path.join(root, 'src'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  fs.cpSync(path.join(REPO, 'policies'), path.join(root, 'policies'), { recursive: true });
  fs.mkdirSync(path.join(root, 'incidents'));
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(root, 'incidents', `INC-P-${String(i).padStart(5, '0')}.ts`), source(`INC-P-${String(i).padStart(5, '0')}`, i));
  synthProject(root);
  fs.writeFileSync(path.join(root, '.gitignore'), 'node_modules\n');
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  Object.assign(process.env, { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.test', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.test' });
  execFileSync('git', ['-c', 'init.defaultBranch=main', 'init', '--quiet'], { cwd: root, env });
  git(root, 'add', '-A');
  git(root, 'commit', '--quiet', '-m', 'seed');
  const remote = remoteOf(root);
  git(root, '-c', 'init.defaultBranch=main', 'init', '--quiet', '--bare', remote);
  git(root, 'remote', 'add', 'origin', remote);
  git(root, 'push', '--quiet', '-u', 'origin', 'main');
  return root;
}

/** Runs the propose scenarios. */
export async function benchPropose(): Promise<ProposeBenchResult[]> {
  const root = project(1000);
  try {
    const library: number[] = [];
    for (let k = 0; k < 9; k++) {
      const id = `INC-NEW-${k}`;
      const t0 = performance.now();
      fs.writeFileSync(path.join(root, 'incidents', `${id}.ts`), source(id, 5000 + k));
      await proposeIncident({ root, id });
      library.push(performance.now() - t0);
    }
    const synth: number[] = [];
    for (let k = 0; k < 5; k++) {
      const id = `INC-SYN-${k}`;
      fs.writeFileSync(path.join(root, 'incidents', `${id}.ts`), source(id, 7000 + k));
      const t0 = performance.now();
      synthProject(root);
      synth.push(performance.now() - t0);
      await proposeIncident({ root, id });
    }
    const batch: number[] = [];
    for (let k = 0; k < 3; k++) {
      const ids = Array.from({ length: 10 }, (_, j) => `INC-BATCH-${k}-${j}`);
      const t0 = performance.now();
      ids.forEach((id, j) => fs.writeFileSync(path.join(root, 'incidents', `${id}.ts`), source(id, 8000 + 10 * k + j)));
      const results = await proposeIncidents({ root, incidents: ids.map((id) => ({ id })) });
      if (!results.every((r) => r.ok && r.proposed.git.pushed)) throw new Error('batch: not every incident was pushed');
      batch.push(performance.now() - t0);
    }
    // tsx keeps its transform cache in $TMPDIR/tsx-<uid>, and walks it after a transform: this VM's shared one
    // holds every test project's files (~75,000 entries, +0.3–1 s a run). A folder of the bench's own stands for
    // a responder's machine; one untimed propose warms it, as their first run would.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-tmpdir-'));
    const cliPropose = (id: string, i: number): void => {
      fs.writeFileSync(path.join(root, 'incidents', `${id}.ts`), source(id, i));
      const r = spawnSync(process.execPath, [path.join(REPO, 'src/cli/bin.js'), 'propose', id], { cwd: root, encoding: 'utf8', env: { ...process.env, TMPDIR: tmp } });
      if (r.status !== 0) throw new Error(r.stderr);
    };
    cliPropose('INC-CLI-WARM', 5999);
    const cli: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      cliPropose(`INC-CLI-${k}`, 6000 + k);
      cli.push(performance.now() - t0);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
    const notes = '1,000 incidents committed with dist/; a new incident written, synthesized (warm synth cache), its commit built on the remote head without an index, branch airlock/<id> pushed to a bare remote on local disk';
    return [
      { name: 'propose, in process (library path of the alert intake)', p50Ms: percentile(library, 50), p90Ms: percentile(library, 90), runs: library.length, notes },
      { name: '`airlock propose` CLI (process start included)', p50Ms: percentile(cli, 50), p90Ms: percentile(cli, 90), runs: cli.length, notes },
      { name: 'of which synthesis: synthProject alone, one new incident', p50Ms: percentile(synth, 50), p90Ms: percentile(synth, 90), runs: synth.length, notes: 'the same step timed on its own (src/synth, not the git layer)' },
      { name: 'batch: 10 new incidents in one proposeIncidents', p50Ms: percentile(batch, 50), p90Ms: percentile(batch, 90), runs: batch.length, notes: 'what the intake writer does with queued alerts: one synthesis, one fetch, ten commits on ten branches, one push' },
    ];
  } finally {
    // The project's caches land in this repository's node_modules (the symlink): they go with the project.
    for (const file of projectCacheFiles(root)) fs.rmSync(file, { force: true });
    trash.put(root);
    trash.put(remoteOf(root));
  }
}
