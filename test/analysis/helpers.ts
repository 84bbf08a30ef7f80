/** Small inventories written inline as YAML, and a one-line way to ask what flows between two endpoints. */
import { PolicyEngine, type Endpoint } from '../../src/analysis/engine';
import { buildInventory, parseManifestText } from '../../src/analysis/inventory';
import { parseAddress } from '../../src/analysis/ipset';
import type { Inventory } from '../../src/analysis/model';
import type { ConnectionSet } from '../../src/analysis/ports';

/** An inventory from YAML documents (joined with `---`). */
export function inventory(...docs: string[]): Inventory {
  const read = parseManifestText(docs.join('\n---\n'), 'test.yaml');
  return buildInventory(read.objects, read.notes);
}

/** A pod manifest: `pod('ns', 'name', {app: 'x'}, [{name: 'http', port: 80}])`. */
export function pod(namespace: string, name: string, labels: Record<string, string> = {}, ports: { name?: string; port: number; protocol?: string }[] = []): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name, labels },
    spec: { containers: [{ name: 'c', image: 'i', ports: ports.map((p) => ({ containerPort: p.port, ...(p.name ? { name: p.name } : {}), ...(p.protocol ? { protocol: p.protocol } : {}) })) }] },
  });
}

/** A namespace manifest with labels. */
export function namespace(name: string, labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
}

/** A NetworkPolicy manifest from its spec. */
export function netpol(namespace: string, name: string, spec: object): string {
  return JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec });
}

/** An AdminNetworkPolicy manifest from its spec. */
export function anp(name: string, spec: object): string {
  return JSON.stringify({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name }, spec });
}

/** The BaselineAdminNetworkPolicy manifest from its spec. */
export function banp(spec: object): string {
  return JSON.stringify({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' }, spec });
}

function endpoint(engine: PolicyEngine, text: string, role: 'source' | 'destination'): Endpoint {
  if (!text.includes('/') || /^[\d.:a-f]+$/.test(text)) {
    const { family, value } = parseAddress(text);
    const atoms = engine.atoms(role);
    const id = atoms.findIndex((a) => a.family === family && a.first <= value && value <= a.last);
    if (id < 0) throw new Error(`no atom for ${text}`);
    return { kind: role === 'source' ? 'source-atom' : 'destination-atom', id };
  }
  const [ns, name] = text.split('/');
  const p = engine.inventory.pods.find((x) => x.namespace === ns && x.name === name);
  if (!p) throw new Error(`no pod ${text}`);
  return { kind: 'class', id: engine.universe.classOfPod.get(p)!.id };
}

/** What may flow from `src` to `dst` (each `ns/pod` or an IP address), as the connection-list text. */
export function flows(inv: Inventory, src: string, dst: string): string {
  return allowedSet(inv, src, dst).toString();
}

/** The connection set from `src` to `dst`. */
export function allowedSet(inv: Inventory, src: string, dst: string): ConnectionSet {
  const engine = new PolicyEngine(inv);
  return engine.allowed(endpoint(engine, src, 'source'), endpoint(engine, dst, 'destination'));
}
