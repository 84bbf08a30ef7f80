/**
 * The deny rules of the `cilium` backend: the exact complement of what stays allowed. In Cilium a deny always
 * beats an allow, whatever policy the allow comes from, so "deny everything except DNS" cannot be a deny-all
 * plus an allow; it has to be denies of everything else, which is what makes it outrank existing allows.
 *
 * The model, per restricted direction, with `A` the allowed entries (DNS profile and declared allows):
 *
 * - pods of namespaces that no entry of `A` names: denied (endpoints with a namespace label `NotIn` those);
 * - pods of a named namespace that the entry's selector does not match: denied (one selector per label of
 *   the entry, `NotIn` its value, which a pod without the label also satisfies);
 * - the entry's pods on ports it does not allow: denied, per protocol, as port ranges;
 * - addresses outside the cluster (`world`): `0.0.0.0/0` and `::/0` denied `except` every block that some
 *   cidr entry allows; blocks allowed on some ports only are denied on the other ports; overlapping cidr
 *   entries are cut into disjoint blocks first, so each block's allowed ports are the union of its entries';
 * - identities without pods or addresses of their own: `remote-node`, `kube-apiserver`, `ingress`, `health`,
 *   `init`, `unmanaged` both ways, and `host` on egress. Ingress from `host` stays open, as under
 *   NetworkPolicy, so the kubelet's probes keep the evidence pod alive. That includes traffic the local node
 *   masquerades (a NodePort Service with `externalTrafficPolicy: Cluster`); detaching the pod from its
 *   Services (`airlock label --detach`) closes that path.
 *
 * Refused (BackendRefusalError naming the field), because the complement cannot be written exactly:
 * two entries that select different pods of the same namespace (overlapping selections), a named port that
 * does not come with all ports anyway (each pod resolves a name to its own number), and the
 * `cluster+nodelocal` DNS profile (the cache's link-local address is the `host` identity or `world`,
 * depending on how the cache is deployed).
 *
 * Not covered: Cilium deny rules cannot match ICMP by port, so ICMP (and VRRP, IGMP) to an allowed peer on
 * restricted ports is not denied; like Kubernetes NetworkPolicy analysis, the model covers TCP, UDP and SCTP.
 */
import type { Direction } from '../../incident/types';
import { cidrRange, rangesToCidrs, subtractRanges, type AddressRange, type Family } from './cidr-blocks';
import type { AllowedTraffic, Containment } from './containment';
import { BackendRefusalError, refusal } from './errors';
import { complementPorts, isAllPorts, L4_PROTOCOLS, portRangesOf, portsKey, unionPorts, type PortRanges } from './port-ranges';
import type { Problem } from '../../errors';

type Json = Record<string, unknown>;

/** The endpoint label Cilium derives from a pod's namespace. */
export const CILIUM_NAMESPACE_KEY = 'k8s:io.kubernetes.pod.namespace';

/** Identities with no pods or addresses of their own, denied in each direction (see the module comment). */
export const DENIED_ENTITIES: Readonly<Record<Direction, readonly string[]>> = {
  ingress: ['remote-node', 'kube-apiserver', 'ingress', 'health', 'init', 'unmanaged'],
  egress: ['host', 'remote-node', 'kube-apiserver', 'ingress', 'health', 'init', 'unmanaged'],
};

const ALTERNATIVES = 'the adminnetworkpolicy or calico backend (first-match rules, no complement needed)';

/** Cilium `toPorts` for a port set: ranges per protocol, at most 40 ports per entry. */
export function ciliumPorts(ports: PortRanges): Json[] {
  const list = L4_PROTOCOLS.flatMap((protocol) => ports[protocol].map(([a, b]) => ({ port: String(a), ...(b !== a ? { endPort: b } : {}), protocol })));
  const out: Json[] = [];
  for (let i = 0; i < list.length; i += 40) out.push({ ports: list.slice(i, i + 40) });
  return out;
}

interface PodGroup {
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly entries: AllowedTraffic[];
  ports: PortRanges;
  named: string[];
}

/** Pod entries grouped by namespace; refuses a namespace whose entries select different pods. */
function podGroups(c: Containment, entries: readonly AllowedTraffic[], problems: Problem[]): PodGroup[] {
  const byNamespace = new Map<string, PodGroup>();
  for (const t of entries) {
    if (t.peer.kind !== 'pods') continue;
    const { ranges, named } = portRangesOf(t.ports);
    const group = byNamespace.get(t.peer.namespace);
    if (!group) {
      byNamespace.set(t.peer.namespace, { namespace: t.peer.namespace, selector: t.peer.selector, entries: [t], ports: ranges, named });
      continue;
    }
    if (JSON.stringify(Object.entries(group.selector).sort()) !== JSON.stringify(Object.entries(t.peer.selector).sort())) {
      problems.push(
        refusal(
          c.incident.file,
          t.field,
          'cilium',
          `it selects other pods of namespace "${t.peer.namespace}" than ${group.entries.map((e) => e.field).join(', ')}; the complement of overlapping pod selections cannot be written as deny rules without denying part of what one of them allows`,
          `one allow per namespace (or the same selector), or ${ALTERNATIVES}`,
        ),
      );
      continue;
    }
    group.entries.push(t);
    group.ports = unionPorts(group.ports, ranges);
    group.named.push(...named);
  }
  const groups = [...byNamespace.values()];
  for (const g of groups) {
    if (g.named.length > 0 && !isAllPorts(g.ports)) {
      const t = g.entries.find((e) => e.ports?.some((p) => typeof p.port === 'string'))!;
      problems.push(
        refusal(c.incident.file, `${t.field}.ports`, 'cilium', `named port "${g.named[0]}": its complement cannot be written as port ranges (each pod resolves a name to its own number)`, `port numbers, or ${ALTERNATIVES}`),
      );
    }
  }
  return groups;
}

interface AddressBlock {
  readonly range: AddressRange;
  readonly ports: PortRanges;
}

/** The cidr entries cut into disjoint ranges, each with the union of the ports of the entries covering it. */
function addressBlocks(entries: readonly AllowedTraffic[]): AddressBlock[] {
  const sets = entries.flatMap((t) => (t.peer.kind === 'cidr' ? [{ ranges: subtractRanges([cidrRange(t.peer.cidr)], t.peer.except.map(cidrRange)), ports: portRangesOf(t.ports).ranges }] : []));
  const out: AddressBlock[] = [];
  for (const family of [4, 6] as Family[]) {
    const cuts = new Set<bigint>();
    for (const s of sets) for (const r of s.ranges) if (r.family === family) cuts.add(r.first).add(r.last + 1n);
    const sorted = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i + 1 < sorted.length; i++) {
      const range: AddressRange = { family, first: sorted[i], last: sorted[i + 1] - 1n };
      let ports: PortRanges | undefined;
      for (const s of sets) {
        if (s.ranges.some((r) => r.family === family && r.first <= range.first && range.last <= r.last)) ports = ports ? unionPorts(ports, s.ports) : s.ports;
      }
      if (!ports) continue;
      const prev = out[out.length - 1];
      if (prev && prev.range.family === family && prev.range.last + 1n === range.first && portsKey(prev.ports) === portsKey(ports)) {
        out[out.length - 1] = { range: { ...prev.range, last: range.last }, ports };
      } else out.push({ range, ports });
    }
  }
  return out;
}

/** The deny rules of one direction (`ingressDeny` or `egressDeny` entries). Throws BackendRefusalError. */
export function ciliumDenyRules(c: Containment, direction: Direction): Json[] {
  const problems: Problem[] = [];
  if (direction === 'egress' && c.dns === 'cluster+nodelocal') {
    problems.push(
      refusal(
        c.incident.file,
        `actions[${c.index}].dns`,
        'cilium',
        'the NodeLocal DNSCache address is the host identity or world depending on how the cache is deployed, so its complement cannot be denied exactly',
        `dns: "cluster" with dns.cluster selecting the node-local-dns pods behind a Cilium Local Redirect Policy, or ${ALTERNATIVES}`,
      ),
    );
  }
  const entries = c.allowed[direction];
  const groups = podGroups(c, entries, problems);
  if (problems.length > 0) throw new BackendRefusalError('cilium', problems);

  const peer = (kind: 'Endpoints' | 'CIDRSet' | 'Entities'): string => `${direction === 'ingress' ? 'from' : 'to'}${kind}`;
  const rules: Json[] = [];
  const namespaces = groups.map((g) => g.namespace).sort();
  const otherPods: Json[] = [
    { matchExpressions: [{ key: CILIUM_NAMESPACE_KEY, operator: 'Exists' }, ...(namespaces.length > 0 ? [{ key: CILIUM_NAMESPACE_KEY, operator: 'NotIn', values: namespaces }] : [])] },
    ...groups.flatMap((g) => Object.entries(g.selector).map(([key, value]) => ({ matchLabels: { [CILIUM_NAMESPACE_KEY]: g.namespace }, matchExpressions: [{ key, operator: 'NotIn', values: [value] }] }))),
  ];
  rules.push({ [peer('Endpoints')]: otherPods });
  for (const g of groups) {
    if (isAllPorts(g.ports)) continue;
    rules.push({ [peer('Endpoints')]: [{ matchLabels: { [CILIUM_NAMESPACE_KEY]: g.namespace, ...g.selector } }], toPorts: ciliumPorts(complementPorts(g.ports)) });
  }

  const blocks = addressBlocks(entries);
  const world = (['0.0.0.0/0', '::/0'] as const).flatMap((cidr, k) => {
    const family: Family = k === 0 ? 4 : 6;
    const except = rangesToCidrs(blocks.filter((b) => b.range.family === family).map((b) => b.range));
    if (except.length === 1 && except[0] === cidr) return [];
    return [{ cidr, ...(except.length > 0 ? { except } : {}) }];
  });
  if (world.length > 0) rules.push({ [peer('CIDRSet')]: world });
  const byPorts = new Map<string, { ports: PortRanges; ranges: AddressRange[] }>();
  for (const b of blocks) {
    if (isAllPorts(b.ports)) continue;
    const key = portsKey(b.ports);
    const entry = byPorts.get(key) ?? { ports: b.ports, ranges: [] };
    entry.ranges.push(b.range);
    byPorts.set(key, entry);
  }
  for (const { ports, ranges } of byPorts.values()) {
    rules.push({ [peer('CIDRSet')]: rangesToCidrs(ranges).map((cidr) => ({ cidr })), toPorts: ciliumPorts(complementPorts(ports)) });
  }
  rules.push({ [peer('Entities')]: [...DENIED_ENTITIES[direction]] });
  return rules;
}

/** Cilium allow `toPorts` for an allowed entry's declared ports (absent: all ports). */
export function ciliumAllowPorts(t: AllowedTraffic): Json[] | undefined {
  if (!t.ports) return undefined;
  const ports = t.ports.map((p) => ({ port: String(p.port), ...(p.endPort !== undefined && p.endPort !== p.port ? { endPort: p.endPort } : {}), protocol: p.protocol ?? 'TCP' }));
  const out: Json[] = [];
  for (let i = 0; i < ports.length; i += 40) out.push({ ports: ports.slice(i, i + 40) });
  return out;
}


