/**
 * Validation of NetworkPolicy, AdminNetworkPolicy and BaselineAdminNetworkPolicy objects into the analysis
 * model. Every field that the API server would reject is reported as a Problem naming the file, the field and
 * what is accepted; a policy with problems is never analysed, because a guess about what it means could hide
 * exactly the traffic a responder needs to see.
 */
import type { Problem } from '../errors';
import { hasHostBits } from './ipset';
import { IpParseError, IpSet, parseCidr } from './ipset';
import type {
  AdminAction,
  AdminPolicyInfo,
  AdminRule,
  AdminSubject,
  NetworkPolicyDirection,
  NetworkPolicyInfo,
  NetworkPolicyRule,
  Note,
  Peer,
  Peers,
  PortClause,
  PortsSpec,
} from './model';
import { isProtocol, MAX_PORT, MIN_PORT, type Protocol } from './ports';
import { MATCH_ALL, parseLabelSelector, type LabelSelector, type Where } from './selectors';

/** Where parsing reports: problems make the input invalid, notes only inform. */
export interface Diagnostics {
  readonly problems: Problem[];
  readonly notes: Note[];
}

/** A raw Kubernetes object as read from a manifest. */
export type RawObject = Record<string, unknown>;

const at = (where: Where, field: string): Where => ({ file: where.file, field: where.field ? `${where.field}.${field}` : field });
const idx = (where: Where, k: number): Where => ({ file: where.file, field: `${where.field}[${k}]` });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(raw: unknown, where: Where, d: Diagnostics): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    d.problems.push({ ...where, message: 'is not a list', hint: 'a YAML list' });
    return [];
  }
  return raw;
}

function protocolOf(raw: unknown, where: Where, d: Diagnostics): Protocol {
  if (raw === undefined || raw === null) return 'TCP';
  if (isProtocol(raw)) return raw;
  d.problems.push({ ...where, message: `is ${JSON.stringify(raw)}`, hint: 'TCP, UDP or SCTP' });
  return 'TCP';
}

function portNumber(raw: unknown, where: Where, d: Diagnostics): number | undefined {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= MIN_PORT && raw <= MAX_PORT) return raw;
  d.problems.push({ ...where, message: `is ${JSON.stringify(raw)}`, hint: `a port number ${MIN_PORT}-${MAX_PORT}` });
  return undefined;
}

/** IANA_SVC_NAME: what Kubernetes accepts as a named port. */
function isPortName(name: string): boolean {
  return name.length >= 1 && name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes('--');
}

function noteHostBits(cidr: string, where: Where, d: Diagnostics): void {
  if (hasHostBits(cidr)) d.notes.push({ file: where.file, message: `${where.field}: ${cidr} has host bits set; read as its network, as the API server does` });
}

function ipBlock(raw: unknown, where: Where, d: Diagnostics): IpSet | undefined {
  if (!isObject(raw) || typeof raw.cidr !== 'string') {
    d.problems.push({ file: where.file, field: `${where.field}.cidr`, message: 'is missing', hint: 'a CIDR such as 10.0.0.0/8 or fd00::/8' });
    return undefined;
  }
  try {
    const cidr = parseCidr(raw.cidr, 'mask');
    noteHostBits(raw.cidr, at(where, 'cidr'), d);
    const excepts = list(raw.except, at(where, 'except'), d);
    const exceptTexts: string[] = [];
    excepts.forEach((e, k) => {
      const w = idx(at(where, 'except'), k);
      try {
        if (typeof e !== 'string') throw new IpParseError(`${JSON.stringify(e)} is not a CIDR`);
        const r = parseCidr(e, 'mask');
        noteHostBits(e, w, d);
        if (r.family !== cidr.family || r.first < cidr.first || r.last > cidr.last) {
          d.problems.push({ ...w, message: `${e} is not inside ${raw.cidr as string}`, hint: `a CIDR within ${raw.cidr as string}` });
        } else exceptTexts.push(e);
      } catch (err) {
        d.problems.push({ ...w, message: (err as Error).message, hint: 'a CIDR such as 10.1.0.0/16' });
      }
    });
    return IpSet.fromBlock(raw.cidr, exceptTexts, 'mask');
  } catch (err) {
    d.problems.push({ file: where.file, field: `${where.field}.cidr`, message: (err as Error).message, hint: 'a CIDR such as 10.0.0.0/8 or fd00::/8' });
    return undefined;
  }
}

// ---------------------------------------------------------------- NetworkPolicy

function npPorts(raw: unknown, where: Where, d: Diagnostics): PortsSpec {
  const items = list(raw, where, d);
  if (items.length === 0) return { kind: 'all' };
  const clauses: PortClause[] = [];
  items.forEach((item, k) => {
    const w = idx(where, k);
    if (!isObject(item)) {
      d.problems.push({ ...w, message: 'is not a port', hint: '{protocol, port, endPort}' });
      return;
    }
    const protocol = protocolOf(item.protocol, at(w, 'protocol'), d);
    if (item.port === undefined || item.port === null) {
      if (item.endPort !== undefined) d.problems.push({ ...at(w, 'endPort'), message: 'is set without port', hint: 'endPort only with a numeric port' });
      clauses.push({ kind: 'protocol', protocol });
      return;
    }
    if (typeof item.port === 'string' && !/^\d+$/.test(item.port)) {
      if (!isPortName(item.port)) {
        d.problems.push({ ...at(w, 'port'), message: `${JSON.stringify(item.port)} is not a valid port name`, hint: 'a number 1-65535 or a named port (IANA_SVC_NAME: lowercase letters, digits, -; at most 15)' });
        return;
      }
      if (item.endPort !== undefined && item.endPort !== null) {
        d.problems.push({ ...at(w, 'endPort'), message: 'is set with a named port', hint: 'endPort only with a numeric port' });
        return;
      }
      clauses.push({ kind: 'named', protocol, name: item.port });
      return;
    }
    const first = portNumber(typeof item.port === 'string' ? Number(item.port) : item.port, at(w, 'port'), d);
    if (first === undefined) return;
    let last = first;
    if (item.endPort !== undefined && item.endPort !== null) {
      const end = portNumber(item.endPort, at(w, 'endPort'), d);
      if (end === undefined) return;
      if (end < first) {
        d.problems.push({ ...at(w, 'endPort'), message: `${end} is below port ${first}`, hint: `a port number ${first}-${MAX_PORT}` });
        return;
      }
      last = end;
    }
    clauses.push({ kind: 'range', protocol, first, last });
  });
  return { kind: 'clauses', clauses };
}

function npPeers(raw: unknown, where: Where, namespace: string, d: Diagnostics): Peers {
  const items = list(raw, where, d);
  if (items.length === 0) return { kind: 'all' };
  const peers: Peer[] = [];
  items.forEach((item, k) => {
    const w = idx(where, k);
    if (!isObject(item)) {
      d.problems.push({ ...w, message: 'is not a peer', hint: 'podSelector and/or namespaceSelector, or ipBlock' });
      return;
    }
    const hasPod = item.podSelector !== undefined && item.podSelector !== null;
    const hasNs = item.namespaceSelector !== undefined && item.namespaceSelector !== null;
    const hasIp = item.ipBlock !== undefined && item.ipBlock !== null;
    if (hasIp && (hasPod || hasNs)) {
      d.problems.push({ ...w, message: 'combines ipBlock with a selector', hint: 'either ipBlock alone, or podSelector and/or namespaceSelector' });
      return;
    }
    if (hasIp) {
      const ips = ipBlock(item.ipBlock, at(w, 'ipBlock'), d);
      if (ips) peers.push({ kind: 'ips', ips });
      return;
    }
    if (!hasPod && !hasNs) {
      d.problems.push({ ...w, message: 'is empty', hint: 'podSelector and/or namespaceSelector, or ipBlock' });
      return;
    }
    const pods = hasPod ? parseLabelSelector(item.podSelector, at(w, 'podSelector'), d.problems) : MATCH_ALL;
    const namespaces = hasNs
      ? ({ kind: 'selector', selector: parseLabelSelector(item.namespaceSelector, at(w, 'namespaceSelector'), d.problems) } as const)
      : ({ kind: 'name', name: namespace } as const);
    peers.push({ kind: 'pods', namespaces, pods });
  });
  return { kind: 'some', peers };
}

function npRules(raw: unknown, where: Where, peerField: 'from' | 'to', namespace: string, d: Diagnostics): NetworkPolicyRule[] {
  return list(raw, where, d).map((rule, index) => {
    const w = idx(where, index);
    const r = isObject(rule) ? rule : {};
    if (!isObject(rule) && rule !== null) d.problems.push({ ...w, message: 'is not a rule', hint: `{${peerField}, ports}` });
    return { index, peers: npPeers(r[peerField], at(w, peerField), namespace, d), ports: npPorts(r.ports, at(w, 'ports'), d) };
  });
}

/** Validates a NetworkPolicy (networking.k8s.io/v1), applying the API server's defaults for policyTypes. */
export function parseNetworkPolicy(obj: RawObject, file: string, d: Diagnostics): NetworkPolicyInfo | undefined {
  const before = d.problems.length;
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  const base: Where = { file, field: `NetworkPolicy ${namespace}/${name || '?'}` };
  if (!name) d.problems.push({ ...at(base, 'metadata.name'), message: 'is missing', hint: 'a policy name' });
  const spec = isObject(obj.spec) ? obj.spec : {};
  const podSelector = parseLabelSelector(spec.podSelector, at(base, 'spec.podSelector'), d.problems);
  const ingressRules = npRules(spec.ingress, at(base, 'spec.ingress'), 'from', namespace, d);
  const egressRules = npRules(spec.egress, at(base, 'spec.egress'), 'to', namespace, d);
  const types = list(spec.policyTypes, at(base, 'spec.policyTypes'), d);
  let affectsIngress = true;
  let affectsEgress = egressRules.length > 0;
  if (types.length > 0) {
    types.forEach((t, k) => {
      if (t !== 'Ingress' && t !== 'Egress') d.problems.push({ ...idx(at(base, 'spec.policyTypes'), k), message: `is ${JSON.stringify(t)}`, hint: 'Ingress, Egress' });
    });
    affectsIngress = types.includes('Ingress');
    affectsEgress = types.includes('Egress');
  }
  if (d.problems.length > before) return undefined;
  const ingress: NetworkPolicyDirection | undefined = affectsIngress ? { rules: ingressRules } : undefined;
  const egress: NetworkPolicyDirection | undefined = affectsEgress ? { rules: egressRules } : undefined;
  return { ref: { kind: 'NetworkPolicy', namespace, name }, namespace, podSelector, ingress, egress, source: file };
}

// ------------------------------------------------------- (Baseline)AdminNetworkPolicy

function adminPorts(raw: unknown, where: Where, d: Diagnostics): PortsSpec {
  if (raw === undefined || raw === null) return { kind: 'all' };
  const items = list(raw, where, d);
  const clauses: PortClause[] = [];
  items.forEach((item, k) => {
    const w = idx(where, k);
    if (!isObject(item)) {
      d.problems.push({ ...w, message: 'is not a port', hint: 'exactly one of portNumber, portRange, namedPort' });
      return;
    }
    const set = ['portNumber', 'portRange', 'namedPort'].filter((f) => item[f] !== undefined && item[f] !== null);
    if (set.length !== 1) {
      d.problems.push({ ...w, message: set.length === 0 ? 'sets no port field' : `sets ${set.join(' and ')}`, hint: 'exactly one of portNumber, portRange, namedPort' });
      return;
    }
    if (isObject(item.portNumber)) {
      const protocol = protocolOf(item.portNumber.protocol, at(w, 'portNumber.protocol'), d);
      const port = portNumber(item.portNumber.port, at(w, 'portNumber.port'), d);
      if (port !== undefined) clauses.push({ kind: 'range', protocol, first: port, last: port });
    } else if (isObject(item.portRange)) {
      const protocol = protocolOf(item.portRange.protocol, at(w, 'portRange.protocol'), d);
      const start = portNumber(item.portRange.start, at(w, 'portRange.start'), d);
      const end = portNumber(item.portRange.end, at(w, 'portRange.end'), d);
      if (start === undefined || end === undefined) return;
      if (end < start) {
        d.problems.push({ ...at(w, 'portRange.end'), message: `${end} is below start ${start}`, hint: `a port number ${start}-${MAX_PORT}` });
        return;
      }
      clauses.push({ kind: 'range', protocol, first: start, last: end });
    } else if (typeof item.namedPort === 'string' && item.namedPort !== '') {
      clauses.push({ kind: 'named', name: item.namedPort });
    } else {
      d.problems.push({ ...at(w, set[0]), message: 'is malformed', hint: 'portNumber: {protocol, port}, portRange: {protocol, start, end} or namedPort: name' });
    }
  });
  return { kind: 'clauses', clauses };
}

function namespacedPods(raw: unknown, where: Where, d: Diagnostics): { namespaces: LabelSelector; pods: LabelSelector } {
  const obj = isObject(raw) ? raw : {};
  if (!isObject(raw)) d.problems.push({ ...where, message: 'is not an object', hint: '{namespaceSelector, podSelector}' });
  return {
    namespaces: parseLabelSelector(obj.namespaceSelector, at(where, 'namespaceSelector'), d.problems),
    pods: parseLabelSelector(obj.podSelector, at(where, 'podSelector'), d.problems),
  };
}

function adminPeers(raw: unknown, where: Where, egress: boolean, d: Diagnostics): Peer[] {
  const items = list(raw, where, d);
  if (items.length === 0) d.problems.push({ ...where, message: 'is empty', hint: 'at least one peer' });
  const fields = egress ? ['namespaces', 'pods', 'networks', 'nodes'] : ['namespaces', 'pods'];
  const peers: Peer[] = [];
  items.forEach((item, k) => {
    const w = idx(where, k);
    const obj = isObject(item) ? item : {};
    const set = fields.filter((f) => obj[f] !== undefined && obj[f] !== null);
    if (set.length !== 1) {
      d.problems.push({ ...w, message: set.length === 0 ? 'sets no peer field' : `sets ${set.join(' and ')}`, hint: `exactly one of ${fields.join(', ')}` });
      return;
    }
    switch (set[0]) {
      case 'namespaces':
        peers.push({ kind: 'pods', namespaces: { kind: 'selector', selector: parseLabelSelector(obj.namespaces, at(w, 'namespaces'), d.problems) }, pods: MATCH_ALL });
        break;
      case 'pods': {
        const { namespaces, pods } = namespacedPods(obj.pods, at(w, 'pods'), d);
        peers.push({ kind: 'pods', namespaces: { kind: 'selector', selector: namespaces }, pods });
        break;
      }
      case 'networks': {
        let ips = IpSet.empty;
        list(obj.networks, at(w, 'networks'), d).forEach((n, j) => {
          const nw = idx(at(w, 'networks'), j);
          try {
            if (typeof n !== 'string') throw new IpParseError(`${JSON.stringify(n)} is not a CIDR`);
            ips = ips.union(IpSet.fromBlock(n, [], 'mask'));
            noteHostBits(n, nw, d);
          } catch (err) {
            d.problems.push({ ...nw, message: (err as Error).message, hint: 'a CIDR such as 10.0.0.0/8 or fd00::/8' });
          }
        });
        peers.push({ kind: 'ips', ips });
        break;
      }
      default:
        peers.push({ kind: 'nodes' });
    }
  });
  return peers;
}

function adminRules(raw: unknown, where: Where, egress: boolean, baseline: boolean, d: Diagnostics): AdminRule[] {
  const actions: readonly AdminAction[] = baseline ? ['Allow', 'Deny'] : ['Allow', 'Deny', 'Pass'];
  const items = list(raw, where, d);
  if (items.length > 100) d.problems.push({ ...where, message: `has ${items.length} rules`, hint: 'at most 100 rules' });
  return items.map((item, k) => {
    const w = idx(where, k);
    const obj = isObject(item) ? item : {};
    const name = typeof obj.name === 'string' ? obj.name : `#${k}`;
    const action = obj.action as AdminAction;
    if (!actions.includes(action)) d.problems.push({ ...at(w, 'action'), message: `is ${JSON.stringify(obj.action)}`, hint: actions.join(', ') });
    const peers = adminPeers(egress ? obj.to : obj.from, at(w, egress ? 'to' : 'from'), egress, d);
    return { name, action, peers, ports: adminPorts(obj.ports, at(w, 'ports'), d) };
  });
}

function adminSubject(raw: unknown, where: Where, d: Diagnostics): AdminSubject {
  const obj = isObject(raw) ? raw : {};
  const set = ['namespaces', 'pods'].filter((f) => obj[f] !== undefined && obj[f] !== null);
  if (set.length !== 1) {
    d.problems.push({ ...where, message: set.length === 0 ? 'selects nothing' : 'sets both namespaces and pods', hint: 'exactly one of namespaces, pods' });
    return { kind: 'namespaces', namespaces: MATCH_ALL };
  }
  if (set[0] === 'namespaces') return { kind: 'namespaces', namespaces: parseLabelSelector(obj.namespaces, at(where, 'namespaces'), d.problems) };
  const { namespaces, pods } = namespacedPods(obj.pods, at(where, 'pods'), d);
  return { kind: 'pods', namespaces, pods };
}

/** Validates an AdminNetworkPolicy or BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1). */
export function parseAdminPolicy(obj: RawObject, file: string, d: Diagnostics): AdminPolicyInfo | undefined {
  const before = d.problems.length;
  const kind = obj.kind === 'BaselineAdminNetworkPolicy' ? 'BaselineAdminNetworkPolicy' : 'AdminNetworkPolicy';
  const baseline = kind === 'BaselineAdminNetworkPolicy';
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const base: Where = { file, field: `${kind} ${name || '?'}` };
  if (!name) d.problems.push({ ...at(base, 'metadata.name'), message: 'is missing', hint: 'a policy name' });
  if (baseline && name && name !== 'default') {
    d.problems.push({ ...at(base, 'metadata.name'), message: `is "${name}"`, hint: '"default" (the BaselineAdminNetworkPolicy is a singleton)' });
  }
  const spec = isObject(obj.spec) ? obj.spec : {};
  let priority: number | undefined;
  if (!baseline) {
    const p = spec.priority;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 1000) {
      d.problems.push({ ...at(base, 'spec.priority'), message: `is ${JSON.stringify(p)}`, hint: 'an integer 0-1000 (lower takes precedence)' });
    } else priority = p;
  }
  const subject = adminSubject(spec.subject, at(base, 'spec.subject'), d);
  const ingress = adminRules(spec.ingress, at(base, 'spec.ingress'), false, baseline, d);
  const egress = adminRules(spec.egress, at(base, 'spec.egress'), true, baseline, d);
  if (d.problems.length > before) return undefined;
  return { ref: { kind, name }, priority, subject, ingress, egress, source: file };
}
