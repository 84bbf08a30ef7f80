/**
 * Benchmark of the alert intake (`airlock serve`): the intake runs in its own process (as in a cluster, so the
 * load generator does not share its event loop), HTTPS on loopback, a real project in a git work tree pushing
 * to a local bare remote.
 *
 * - alert → pushed branch: `POST /v1/falco?wait=1` for one new target at a time, timed by the client until the
 *   answer (which comes after the push); median of RUNS, in an empty repository and in one holding 1,000
 *   incidents (skipped with AIRLOCK_BENCH_QUICK=1);
 * - unmatched alerts/s and deduplicated alerts/s: autocannon over 16 keep-alive connections, a bounded number
 *   of requests, bearer authentication checked on every request.
 *
 * autocannon does not verify the server certificate; the TLS costs are the same. Run alone with
 * `node --import tsx bench/intake.ts`, or through bench/run.ts via {@link benchIntake}.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { generate } from 'selfsigned';
import { projectCacheFiles } from '../src/project/incident-cache';
import { synthProject } from '../src/synth/synth-project';
import { trash } from './trash';

const REPO = path.resolve(__dirname, '..');
const SECRET = 'bench-secret-0123456789abcdef0123';
/** Alerts timed end to end per repository. */
const RUNS = 7;
/** Rounds of 100 paced alerts (see paced). */
const PACED_ROUNDS = 3;
/** Requests per throughput scenario. */
const REQUESTS = 5000;
const CONNECTIONS = 16;

/** One scenario's figures, in the shape bench/run.ts collects. */
export interface IntakeBenchResult {
  readonly name: string;
  readonly medianMs: number;
  readonly runs: number;
  readonly notes: string;
}

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

const GIT_ENV = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.test', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.test' };

/**
 * The bare remote's variants. `default`: git's defaults, in the OS temp folder (on this VM the root disk, which
 * the intake writes to as well): the target rows. Not targets, each showing the remote's share: `keep-packs`
 * keeps each push as a pack (`receive.unpackLimit=1`) instead of git's default of writing a push of under 100
 * objects as one file, and one folder, per object; `memory` keeps its objects in /dev/shm, as a forge's
 * storage is not the intake's disk (on this VM, `mkdir` costs 0.3–1 ms on the root disk, microseconds there).
 */
type RemoteKind = 'default' | 'keep-packs' | 'memory';

/** What a row says of its remote, after the scenario's name; empty for the default. */
const REMOTE_NOTES: Record<RemoteKind, string> = {
  default: '',
  'keep-packs': ' (bare remote keeping each push as a pack: receive.unpackLimit=1)',
  memory: " (bare remote in memory, /dev/shm: its files off the intake's disk)",
};

/** A project with `incidents` simple incidents, committed and pushed to a bare remote; and the remote's folder. */
function project(incidents: number, kind: RemoteKind = 'default'): { root: string; remoteDir: string } {
  Object.assign(process.env, GIT_ENV);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-intake-'));
  fs.symlinkSync(path.join(REPO, 'src'), path.join(root, 'src'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  fs.cpSync(path.join(REPO, 'policies'), path.join(root, 'policies'), { recursive: true });
  fs.mkdirSync(path.join(root, 'incidents'));
  for (let i = 0; i < incidents; i++) {
    const id = `INC-B-${String(i).padStart(5, '0')}`;
    fs.writeFileSync(
      path.join(root, 'incidents', `${id}.ts`),
      `import { defineIncident, isolate } from '../src';\nexport default defineIncident({ id: '${id}', title: 'Bench ${i}', severity: 'high', openedAt: '2026-11-22T03:12:00Z', owner: 'bench', actions: [isolate({ namespace: 'ns-${i % 50}', pod: 'app-${i}-7d9f8c-x2x4k' })] });\n`,
    );
  }
  if (incidents > 0) synthProject(root);
  const remoteDir = fs.mkdtempSync(path.join(kind === 'memory' ? '/dev/shm' : os.tmpdir(), 'airlock-bench-remote-'));
  const remote = path.join(remoteDir, 'gitops.git');
  git(root, '-c', 'init.defaultBranch=main', 'init', '--quiet');
  fs.writeFileSync(path.join(root, '.gitignore'), 'node_modules\n.airlock/\n');
  git(root, 'add', '.');
  // Packed now, as a clone is: left to the commit's `gc --auto`, the repack ran detached for some 2.5 s of CPU
  // while the intake started, and sometimes into the timed rows.
  git(root, '-c', 'gc.auto=0', 'commit', '--quiet', '-m', 'seed');
  git(root, 'repack', '-a', '-d', '-q');
  git(root, '-c', 'init.defaultBranch=main', 'init', '--quiet', '--bare', remote);
  git(root, 'remote', 'add', 'origin', remote);
  if (kind === 'keep-packs') git(remote, 'config', 'receive.unpackLimit', '1');
  git(root, 'push', '--quiet', '-u', 'origin', 'main');
  // The seed wrote some 30,000 files (dist/, git's loose objects): on disk before anything is timed.
  execFileSync('sync');
  return { root, remoteDir };
}

/** A running intake process: its URL, and the alert → push times (ms) it reports for each proposal pushed. */
interface Server {
  readonly child: ChildProcess;
  readonly url: string;
  readonly pushedMs: number[];
}

/**
 * Starts the intake as a responder would, `airlock serve` (src/cli/bin.js) in its own process, and resolves
 * once it listens. Its JSON log gives the URL and, for each proposal pushed, the alert → push time.
 */
async function startServer(root: string, dir: string): Promise<Server> {
  // tsx's transform cache lives in $TMPDIR/tsx-<uid> and is walked after transforms: this VM's shared one holds
  // every test project's files. A folder of the bench's own stands for the intake's host (as in bench/propose.ts).
  const tmp = path.join(dir, 'tmpdir');
  fs.mkdirSync(tmp, { recursive: true });
  // AIRLOCK_BENCH_INTAKE_NODE_ARGS: extra node options for the intake process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`.
  const extra = process.env.AIRLOCK_BENCH_INTAKE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const args = ['serve', '--json', '--port', '0', '--host', '127.0.0.1', '--tls-cert', path.join(dir, 'tls.crt'), '--tls-key', path.join(dir, 'tls.key')];
  const child = spawn(process.execPath, [...extra, path.join(REPO, 'src/cli/bin.js'), ...args], {
    cwd: root,
    env: { ...process.env, ...GIT_ENV, AIRLOCK_INTAKE_SECRET: SECRET, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pushedMs: number[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as { event: string; url?: string; pushed?: boolean; ms?: number };
      if (event.event === 'listening') resolve(event.url!);
      else if (event.event === 'proposed' && event.pushed) pushedMs.push(event.ms!);
    });
    child.once('exit', (code) => reject(new Error(`intake exited with ${code}`)));
  });
  return { child, url, pushedMs };
}

function falco(uuid: string, pod: string, rule = 'Terminal shell in container'): string {
  return JSON.stringify({
    uuid,
    rule,
    priority: 'Notice',
    output: 'A shell was spawned in a container with an attached terminal',
    time: '2026-11-22T03:12:00.000000000Z',
    output_fields: { 'k8s.ns.name': 'payments', 'k8s.pod.name': pod, 'container.image.repository': 'ghcr.io/acme/checkout' },
    source: 'syscall',
    tags: ['container', 'shell'],
    hostname: 'node-a',
  });
}

function post(url: string, ca: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * CPU seconds used so far by process `pid` and everything it started: its own time, its children's that it
 * has waited for (git commands), and its live descendants' (long-lived git processes, esbuild's service).
 * Linux only (/proc); undefined elsewhere.
 */
function treeCpuSeconds(pid: number): number | undefined {
  const ticks = (file: string, withChildren: boolean): number => {
    const fields = fs.readFileSync(file, 'utf8').replace(/^.*\) /s, '').split(' ');
    // After the command: state is field 3, so utime/stime/cutime/cstime (fields 14-17) are at 11-14 here.
    return Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0);
  };
  const live = (of: number): number[] => {
    try {
      return fs.readdirSync(`/proc/${of}/task`).flatMap((t) => fs.readFileSync(`/proc/${of}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch {
      return [];
    }
  };
  try {
    let total = ticks(`/proc/${pid}/stat`, true);
    for (let todo = live(pid); todo.length > 0; ) {
      const child = todo.pop()!;
      try {
        total += ticks(`/proc/${child}/stat`, false);
      } catch {
        continue; // ended meanwhile: its time is in its parent's children's time once waited for
      }
      todo.push(...live(child));
    }
    return total / 100; // USER_HZ
  } catch {
    return undefined;
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** POST → pushed branch, one new target at a time. */
async function endToEnd(url: string, ca: string, label: string, tag: string): Promise<IntakeBenchResult> {
  await post(`${url}/v1/falco?wait=1`, ca, falco(`warm-${tag}`, `warm-${tag}`)); // module loading, first synth
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const r = await post(`${url}/v1/falco?wait=1`, ca, falco(`e2e-${tag}-${i}`, `web-${tag}-${i}`));
    times.push(performance.now() - started);
    if (r.status !== 200) throw new Error(`alert → push answered ${r.status}: ${r.text}`);
  }
  return {
    name: `intake: alert → branch pushed (${label})`,
    medianMs: Math.round(median(times)),
    runs: RUNS,
    notes: `POST /v1/falco?wait=1, one new pod each, answer after the push to a local bare remote; min ${Math.round(Math.min(...times))} ms, max ${Math.round(Math.max(...times))} ms`,
  };
}

/** CPU time of the whole machine from /proc/stat (Linux), in ticks: all states, and stolen by the hypervisor. */
function machineTicks(): { total: number; steal: number } | undefined {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/**
 * Alerts for new targets at a steady rate, as Falcosidekick sends them (no wait), in `rounds` rounds of `count`,
 * each starting once the previous one's alerts are all pushed: the time from accepting each to its branch
 * being pushed, as the intake reports it (its `proposed` events), and how long the 202 answer took. Meanwhile
 * another client sends an unmatched alert every 50 ms: how long that answer takes while proposals run. Several
 * rounds because one is ten seconds of a shared VM whose speed moves by the minute (a single round's median:
 * 252–400 ms in nine runs of the same code one day); the share of CPU the hypervisor stole is reported with
 * the figures, as one of the causes.
 */
async function paced(server: Server, ca: string, perSecond: number, count: number, rounds: number, tag: string, remoteNote = ''): Promise<IntakeBenchResult[]> {
  const { url } = server;
  const accepted: number[] = [];
  const unmatched: number[] = [];
  const pushed: number[] = [];
  const roundMedians: number[] = [];
  let running = true;
  const probe = (async () => {
    for (let k = 0; running; k++) {
      const started = performance.now();
      const r = await post(`${url}/v1/falco`, ca, falco(`probe-${tag}-${k}`, `web-probe-${k}`, 'Read sensitive file untrusted'));
      if (r.status !== 202) throw new Error(`probe answered ${r.status}: ${r.text}`);
      unmatched.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 50 - (performance.now() - started))));
    }
  })();
  const cpuBefore = treeCpuSeconds(server.child.pid!);
  const ticksBefore = machineTicks();
  for (let round = 0; round < rounds; round++) {
    const before = server.pushedMs.length;
    const pending: Array<Promise<void>> = [];
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / perSecond;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      const started = performance.now();
      const id = `paced-${tag}-${round}-${i}`;
      pending.push(
        post(`${url}/v1/falco`, ca, falco(id, id)).then((r) => {
          if (r.status !== 202) throw new Error(`paced alert answered ${r.status}: ${r.text}`);
          accepted.push(performance.now() - started);
        }),
      );
    }
    await Promise.all(pending);
    while (server.pushedMs.length < before + count) await new Promise((r) => setTimeout(r, 50));
    const these = server.pushedMs.slice(before, before + count);
    pushed.push(...these);
    roundMedians.push(Math.round(median(these)));
  }
  const cpuAfter = treeCpuSeconds(server.child.pid!);
  const ticksAfter = machineTicks();
  running = false;
  await probe;
  const total = count * rounds;
  // The probe's unmatched alerts are in it too; they cost a few ms each.
  const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? `; intake CPU ${Math.round(((cpuAfter - cpuBefore) * 1000) / total)} ms per alert (its process and the git and esbuild processes it runs)` : '';
  const stolen = ticksBefore && ticksAfter ? `; CPU stolen by the hypervisor meanwhile ${(((ticksAfter.steal - ticksBefore.steal) * 100) / (ticksAfter.total - ticksBefore.total)).toFixed(1)} %` : '';
  const p = (xs: number[], q: number): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  };
  return [
    {
      name: `intake: ${perSecond} alerts/s, alert → branch pushed, 1,000 incidents in the repository${remoteNote}`,
      medianMs: p(pushed, 0.5),
      runs: total,
      notes: `${rounds} rounds of ${count} alerts for distinct pods at ${perSecond}/s; accepted → pushed as the intake reports it; p99 ${p(pushed, 0.99)} ms, max ${Math.round(Math.max(...pushed))} ms${remoteNote ? '' : ' (target p50 ≤ 300 ms, p99 ≤ 1 s)'}; median of each round ${roundMedians.join(', ')} ms${cpu}${stolen}`,
    },
    {
      name: 'intake: 202 answer to those alerts while proposals run',
      medianMs: p(accepted, 0.5),
      runs: accepted.length,
      notes: `decided, journalled (fsync) and answered; p99 ${p(accepted, 0.99)} ms, max ${Math.round(Math.max(...accepted))} ms (target: within 50 ms)`,
    },
    {
      name: 'intake: unmatched answer while proposals run',
      medianMs: p(unmatched, 0.5),
      runs: unmatched.length,
      notes: `one unmatched alert every 50 ms during the run above; p99 ${p(unmatched, 0.99)} ms, max ${Math.round(Math.max(...unmatched))} ms (target: within 50 ms)`,
    },
  ];
}

async function throughput(url: string, name: string, body: string): Promise<IntakeBenchResult> {
  const run = (amount: number) =>
    autocannon({ url: `${url}/v1/falco`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` }, body, connections: CONNECTIONS, amount });
  await run(2000); // warm-up: JIT, TLS sessions, and git's background work after the pushes above
  const r = await run(REQUESTS);
  if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  const perSecond = Math.round((r.requests.total / r.duration) * 10) / 10;
  return {
    name: `intake: ${name}`,
    medianMs: r.latency.p50,
    runs: r.requests.total,
    notes: `${perSecond} alerts/s over ${CONNECTIONS} keep-alive TLS connections, bearer auth checked each time; p99 ${r.latency.p99} ms (median column: p50 latency)`,
  };
}

/** Runs the scenarios and returns their figures. */
export async function benchIntake(): Promise<IntakeBenchResult[]> {
  const quick = process.env.AIRLOCK_BENCH_QUICK === '1';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-tls-'));
  const pems = await generate([{ name: 'commonName', value: 'airlock-intake.bench' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  fs.writeFileSync(path.join(dir, 'tls.key'), pems.private);
  fs.writeFileSync(path.join(dir, 'tls.crt'), pems.cert);
  const results: IntakeBenchResult[] = [];
  // AIRLOCK_BENCH_INTAKE_REPOS=1000: only the repository of 1,000 incidents (the paced run), e.g. for A/B runs;
  // `1000+packs`, `1000+memory`: the same with another remote (see RemoteKind); `+memory` needs /dev/shm.
  const memory = fs.existsSync('/dev/shm') ? ['1000+memory'] : [];
  const setups = (process.env.AIRLOCK_BENCH_INTAKE_REPOS?.split(',') ?? (quick ? ['0'] : ['0', '1000', '1000+packs', ...memory])).map((s) => ({
    incidents: parseInt(s, 10),
    kind: (s.endsWith('+packs') ? 'keep-packs' : s.endsWith('+memory') ? 'memory' : 'default') as RemoteKind,
  }));
  for (const { incidents, kind } of setups) {
    const { root, remoteDir } = project(incidents, kind);
    const server = await startServer(root, dir);
    const { child, url } = server;
    try {
      const tag = `r${incidents}${kind === 'default' ? '' : kind[0]}`;
      const remoteNote = REMOTE_NOTES[kind];
      results.push(await endToEnd(url, pems.cert, `${incidents} incidents in the repository${remoteNote}`, tag));
      if (incidents === 1000) results.push(...(await paced(server, pems.cert, 10, 100, PACED_ROUNDS, tag, remoteNote)).slice(0, kind === 'default' ? undefined : 1));
      if (incidents === 0) {
        results.push(await throughput(url, 'unmatched alerts', falco('unmatched-1', 'web-0', 'Read sensitive file untrusted')));
        results.push(await throughput(url, 'deduplicated alerts (same alert resent)', falco(`e2e-${tag}-0`, `web-${tag}-0`)));
      }
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      // The project's caches land in this repository's node_modules (the symlink): they go with the project.
      for (const file of projectCacheFiles(root)) fs.rmSync(file, { force: true });
      // Not deleted now: the next setup's timed runs would start on a disk this clean-up has just freed.
      trash.put(root);
      trash.put(remoteDir);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return results;
}

if (require.main === module) {
  benchIntake().then(
    (rows) => {
      for (const r of rows) process.stdout.write(`${r.name}: ${r.medianMs} ms (${r.runs}) — ${r.notes}\n`);
    },
    (e: unknown) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
