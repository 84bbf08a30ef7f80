/**
 * Benchmark of `airlock plan` on the generated cluster of bench/analysis.ts (10,000 pods, 500 namespaces,
 * 2,000 NetworkPolicies): one incident that isolates one pod and one workload, planned against the snapshot.
 * Target: ≤ 200 ms per incident. Loading the inventory is not part of it (`analyze` measures that), but the
 * first plan of a freshly built inventory is (the CLI case): it groups the snapshot's pods, builds its engine,
 * and pays for promoting the new inventory out of V8's young generation.
 */
import type { Manifest } from '../src/admission/manifest';
import { buildInventory } from '../src/analysis/inventory';
import type { Inventory } from '../src/analysis/model';
import { planIncident, type IncidentPlan } from '../src/analysis/plan';
import { QUARANTINE_LABEL, type Incident } from '../src/incident/types';
import { DEFAULT_SHAPE, generateCluster } from './analysis';

const ID = 'INC-2026-0142';
const NAMESPACE = 'team-7';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const DNS_EGRESS = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { app: 'kube-dns' } } }],
  ports: [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ],
};

/** What the NetworkPolicy backend renders for the two actions: isolation plus DNS, one policy per action. */
function networkPolicies(): Manifest[] {
  const policy = (index: number, podSelector: Record<string, string>): Manifest => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { namespace: NAMESPACE, name: `airlock-inc-2026-0142-${index}`, labels: { 'app.kubernetes.io/managed-by': 'airlock', 'airlock.dev/incident': ID } },
    spec: { podSelector: { matchLabels: podSelector }, policyTypes: ['Ingress', 'Egress'], egress: [DNS_EGRESS] },
  });
  return [policy(0, { [QUARANTINE_LABEL]: ID }), policy(1, { app: 'app3' })];
}

/** What an AdminNetworkPolicy backend would render: Deny both ways at high precedence, after a DNS Allow. */
function adminPolicies(): Manifest[] {
  const policy = (index: number, podSelector: Record<string, string>): Manifest => ({
    apiVersion: 'policy.networking.k8s.io/v1alpha1',
    kind: 'AdminNetworkPolicy',
    metadata: { name: `airlock-inc-2026-0142-${index}` },
    spec: {
      priority: 2 + index,
      subject: { pods: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NAMESPACE } }, podSelector: { matchLabels: podSelector } } },
      ingress: [{ name: 'deny-all', action: 'Deny', from: [{ namespaces: {} }] }],
      egress: [
        { name: 'dns', action: 'Allow', to: [{ pods: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { app: 'kube-dns' } } } }], ports: [{ portNumber: { protocol: 'UDP', port: 53 } }, { portNumber: { protocol: 'TCP', port: 53 } }] },
        { name: 'deny-all', action: 'Deny', to: [{ namespaces: {} }, { networks: ['0.0.0.0/0', '::/0'] }] },
      ],
    },
  });
  return [policy(0, { [QUARANTINE_LABEL]: ID }), policy(1, { app: 'app3' })];
}

function incidentFor(pod: string): Incident {
  return {
    id: ID,
    slug: ID.toLowerCase(),
    file: `incidents/${ID}.ts`,
    title: 'Cryptominer in team-7',
    severity: 'high',
    status: 'active',
    openedAt: '2026-11-22T03:12:00Z',
    owner: 'secops',
    actions: [
      { kind: 'isolatePod', namespace: NAMESPACE, pod, dns: 'cluster' },
      { kind: 'isolateWorkload', namespace: NAMESPACE, selector: { app: 'app3' }, dns: 'cluster' },
    ],
  };
}

function describe(plan: IncidentPlan): string {
  return plan.actions.map((a) => `${a.action.kind}: ${a.kind === 'network' ? `${a.targets.length} targets, ` : ''}${a.effective ? 'effective' : 'ineffective'}${a.kind === 'network' ? ` (${a.residual.length} residual)` : ''}`).join('; ');
}

interface Scenario {
  readonly name: string;
  readonly manifests: Manifest[];
  /**
   * Rebuild the inventory before every timed run (untimed), so nothing computed for the snapshot survives from
   * one run to the next: every run is the first plan of a fresh inventory, as in `airlock plan`.
   */
  readonly cold: boolean;
}

/**
 * Times `planIncident` for one incident (isolate one pod, isolate one workload) on the generated cluster:
 * median of 5 runs after a warm-up (of the code, never of the timed inventory), for the NetworkPolicy backend
 * (first plan of a fresh inventory, and a further plan on a snapshot already planned, as for a second incident
 * or backend, which reuses the snapshot's engine) and for an AdminNetworkPolicy backend (fresh inventory).
 */
export async function benchPlan(): Promise<{ name: string; medianMs: number; runs: number; notes: string }[]> {
  const objects = generateCluster();
  const fresh = (): Inventory => buildInventory(objects);
  let inventory = fresh();
  const pod = inventory.pods.find((p) => p.namespace === NAMESPACE && p.labels.app === 'app2')!.name;
  const reference = networkPolicies();
  const scenarios: Scenario[] = [
    { name: 'plan: NetworkPolicy backend, first plan of a freshly built inventory (the CLI case)', manifests: reference, cold: true },
    { name: 'plan: NetworkPolicy backend, snapshot already planned (another incident or backend: its engine is reused)', manifests: reference, cold: false },
    { name: 'plan: AdminNetworkPolicy backend, first plan of a freshly built inventory', manifests: adminPolicies(), cold: true },
  ];
  const shape = `${inventory.pods.length} pods, ${DEFAULT_SHAPE.namespaces} namespaces, ${inventory.networkPolicies.length} NetworkPolicies`;
  const run = (s: Scenario): { ms: number; cpuMs: number; plan: IncidentPlan } => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const plan = planIncident({ incident: incidentFor(pod), manifests: s.manifests, reference, inventory });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, plan };
  };
  // Warm-up: one run of every scenario (JIT of every code path); cold scenarios then get a fresh inventory.
  for (const s of scenarios) run(s);
  const results: { name: string; medianMs: number; runs: number; notes: string }[] = [];
  for (const s of scenarios) {
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let last: ReturnType<typeof run> | undefined;
    // A warm scenario plans its snapshot once, untimed, so every timed run finds the snapshot's engine built.
    if (!s.cold) run(s);
    for (let k = 0; k < 5; k++) {
      if (s.cold) inventory = fresh();
      await new Promise((r) => setImmediate(r));
      last = run(s);
      times.push(last.ms);
      cpuTimes.push(last.cpuMs);
    }
    if (s.cold) inventory = fresh();
    // CPU time (all threads, GC included) is reported too: on a shared machine it varies less than wall time.
    const notes = `${describe(last!.plan)}; median CPU ${Math.round(median(cpuTimes))} ms`;
    results.push({ name: `${s.name} (${shape}; isolatePod + isolateWorkload)`, medianMs: Math.round(median(times)), runs: times.length, notes });
  }
  return results;
}

if (require.main === module) {
  void benchPlan().then((rs) => {
    for (const r of rs) console.log(`${r.name}: median ${r.medianMs} ms over ${r.runs} runs — ${r.notes}`);
  });
}
