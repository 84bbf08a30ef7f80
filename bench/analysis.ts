/**
 * Benchmark of the policy analysis on a generated cluster: 10,000 pods in 500 namespaces with 2,000
 * NetworkPolicies (plus a few admin policies). Targets: full analyze ≤ 10 s, peak memory ≤ 1 GB.
 * The generator is deterministic (seeded) and exported so the `plan` benchmark can reuse it.
 */
import { stringify } from 'yaml';
import { connectionList } from '../src/analysis/connlist';
import { PolicyEngine } from '../src/analysis/engine';
import { buildInventory, parseManifestText, type SourcedObject } from '../src/analysis/inventory';

/** Size and seed of a generated cluster. */
export interface ClusterShape {
  readonly namespaces: number;
  readonly podsPerNamespace: number;
  readonly appsPerNamespace: number;
  readonly policiesPerNamespace: number;
  readonly seed: number;
}

/** The benchmark's cluster: 500 namespaces × 20 pods (5 apps × 4 replicas), 4 NetworkPolicies per namespace. */
export const DEFAULT_SHAPE: ClusterShape = { namespaces: 500, podsPerNamespace: 20, appsPerNamespace: 5, policiesPerNamespace: 4, seed: 20240601 };

/** mulberry32: a small seeded PRNG, so every run generates the same cluster. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A realistic snapshot: pods owned by ReplicaSets (as `kubectl get pods -A -o yaml` shows them), namespaces
 * labelled by team and environment, per-namespace default-deny or allow-same-namespace, DNS egress, chained
 * app-to-app ingress with named ports and port ranges, ipBlocks with exceptions, and a few admin policies.
 */
export function generateCluster(shape: ClusterShape = DEFAULT_SHAPE): SourcedObject[] {
  const rnd = prng(shape.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const objects: SourcedObject[] = [];
  const push = (object: Record<string, unknown>): void => {
    objects.push({ object, source: 'generated.yaml' });
  };
  const envs = ['prod', 'staging', 'dev'];
  const tiers = ['frontend', 'backend', 'data'];
  const replicas = Math.max(1, Math.floor(shape.podsPerNamespace / shape.appsPerNamespace));

  for (let n = 0; n < shape.namespaces; n++) {
    const ns = n === 0 ? 'kube-system' : `team-${n}`;
    const env = pick(envs);
    push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { team: `t${n % 50}`, env } } });
    for (let a = 0; a < shape.appsPerNamespace; a++) {
      const app = n === 0 && a === 0 ? 'kube-dns' : `app${a}`;
      const rs = `${app}-${(n * 31 + a * 7).toString(16).padStart(6, '0')}`;
      for (let r = 0; r < replicas; r++) {
        push({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            namespace: ns,
            name: `${rs}-${r}`,
            labels: { app, tier: tiers[a % tiers.length], version: `v${1 + Math.floor(rnd() * 2)}` },
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, controller: true }],
          },
          spec: { containers: [{ name: app, image: `registry.example/${app}:1`, ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] }] },
          status: { podIP: `10.${n >> 8}.${n & 255}.${a * replicas + r + 1}`, hostIP: '192.168.0.1' },
        });
      }
    }
    const policies: Record<string, unknown>[] = [];
    policies.push(
      rnd() < 0.8
        ? { name: 'default-deny', spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } }
        : { name: 'allow-same-namespace', spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] } },
    );
    policies.push({
      name: 'allow-dns-and-https',
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { app: 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
          { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', `172.${16 + (n % 16)}.0.0/16`] } }], ports: [{ port: 443 }] },
        ],
      },
    });
    policies.push({
      name: 'allow-frontend',
      spec: {
        podSelector: { matchLabels: { tier: 'frontend' } },
        ingress: [
          { from: [{ namespaceSelector: { matchLabels: { env: pick(envs) } }, podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'backend'] }] } }], ports: [{ port: 'http' }] },
          { from: [{ ipBlock: { cidr: `${20 + (n % 200)}.${Math.floor(rnd() * 256)}.0.0/16`, except: [`${20 + (n % 200)}.0.0.0/24`].filter(() => false) } }], ports: [{ port: 443 }] },
        ],
      },
    });
    const k = 1 + Math.floor(rnd() * (shape.appsPerNamespace - 1));
    policies.push({
      name: 'allow-chain',
      spec: {
        podSelector: { matchLabels: { app: `app${k}` } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { app: `app${k - 1}` } } }, { namespaceSelector: { matchLabels: { team: `t${(n + 1) % 50}` } }, podSelector: { matchLabels: { app: `app${k}` } } }], ports: [{ port: 8080, endPort: 8090 }, { port: 'metrics' }] }],
        egress: [{ to: [{ podSelector: { matchLabels: { tier: 'data' } } }], ports: [{ port: 5432 }] }],
      },
    });
    for (const p of policies.slice(0, shape.policiesPerNamespace)) {
      push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name: p.name }, spec: p.spec });
    }
  }
  push({
    apiVersion: 'policy.networking.k8s.io/v1alpha1',
    kind: 'AdminNetworkPolicy',
    metadata: { name: 'protect-kube-system' },
    spec: {
      priority: 10,
      subject: { namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } },
      ingress: [
        { name: 'dns', action: 'Allow', from: [{ namespaces: {} }], ports: [{ portNumber: { protocol: 'UDP', port: 53 } }, { namedPort: 'dns' }] },
        { name: 'rest', action: 'Deny', from: [{ namespaces: {} }] },
      ],
    },
  });
  push({
    apiVersion: 'policy.networking.k8s.io/v1alpha1',
    kind: 'AdminNetworkPolicy',
    metadata: { name: 'quarantine' },
    spec: {
      priority: 1,
      subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { 'airlock.dev/quarantine': 'INC-1' } } } },
      ingress: [{ name: 'deny', action: 'Deny', from: [{ namespaces: {} }] }],
      egress: [{ name: 'deny', action: 'Deny', to: [{ namespaces: {} }, { networks: ['0.0.0.0/0'] }] }],
    },
  });
  push({
    apiVersion: 'policy.networking.k8s.io/v1alpha1',
    kind: 'BaselineAdminNetworkPolicy',
    metadata: { name: 'default' },
    spec: { subject: { namespaces: { matchLabels: { env: 'dev' } } }, egress: [{ name: 'no-prod', action: 'Deny', to: [{ namespaces: { matchLabels: { env: 'prod' } } }] }] },
  });
  return objects;
}

/** One benchmark result. */
export interface BenchResult {
  readonly scenario: string;
  readonly medianMs: number;
  readonly runs: number;
  readonly peakRssMb?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function peakRssMb(): number {
  // maxRSS is in kilobytes and covers the whole process lifetime.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function measure(scenario: string, runs: number, work: () => unknown): Promise<BenchResult> {
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    work();
    times.push(performance.now() - t0);
    await new Promise((r) => setImmediate(r));
  }
  return { scenario, medianMs: Math.round(median(times)), runs, peakRssMb: peakRssMb() };
}

/** Runs the analysis benchmarks: full analyze from parsed objects, from JSON text and from YAML text. */
export async function benchAnalysis(): Promise<BenchResult[]> {
  const objects = generateCluster();
  const pods = objects.filter((o) => o.object.kind === 'Pod').length;
  const netpols = objects.filter((o) => o.object.kind === 'NetworkPolicy').length;
  const label = `${pods} pods, ${DEFAULT_SHAPE.namespaces} namespaces, ${netpols} NetworkPolicies`;
  const results: BenchResult[] = [];
  let lines = 0;
  results.push(
    await measure(`analyze: inventory + evaluation + connection list (${label})`, 5, () => {
      const engine = new PolicyEngine(buildInventory(objects));
      lines = connectionList(engine).length;
    }),
  );
  const jsonText = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects.map((o) => o.object) });
  results.push(
    await measure(`analyze from JSON text (${Math.round(jsonText.length / 1e6)} MB, kubectl -o json): parse + inventory + evaluation + connection list (${label})`, 5, () => {
      const read = parseManifestText(jsonText, 'cluster.json');
      connectionList(new PolicyEngine(buildInventory(read.objects, read.notes)));
    }),
  );
  // Multi-document YAML as `kubectl get -o yaml` or a GitOps folder holds it; read with js-yaml (the yaml package,
  // at about 1 MB/s, is only the fallback for text js-yaml refuses). Peak RSS is the process's so far: an upper bound.
  const yamlText = objects.map((o) => stringify(o.object)).join('---\n');
  results.push(
    await measure(`analyze from YAML text (${Math.round(yamlText.length / 1e6)} MB): parse + inventory + evaluation + connection list (${label})`, 3, () => {
      const read = parseManifestText(yamlText, 'cluster.yaml');
      connectionList(new PolicyEngine(buildInventory(read.objects, read.notes)));
    }),
  );
  return results.map((r, k) => (k === 0 ? { ...r, scenario: `${r.scenario}; ${lines} lines` } : r));
}

if (require.main === module) {
  void benchAnalysis().then((rs) => {
    for (const r of rs) console.log(`${r.scenario}: median ${r.medianMs} ms over ${r.runs} runs, peak RSS ${r.peakRssMb} MB`);
  });
}
