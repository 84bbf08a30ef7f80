/**
 * The backend-neutral reading of one network action: which pods are contained, in which directions, and the
 * traffic that stays allowed there (the DNS profile's peers first, then the declared allows). Every entry keeps
 * the incident field it came from, so a backend that cannot express it can name that field in its refusal.
 * The deny-capable backends all render from this one reading, so they cannot drift apart on what is allowed.
 */
import type { AllowRule, Direction, DnsProfile, Incident, Labels, NetworkAction, PortSpec } from '../../incident/types';
import type { EnforcementBackend, Settings } from '../../settings/settings';
import { ACTION_SLUGS, actionPodSelector, isolationPolicyName } from '../isolation-policy';
import { ACTION_LABEL, ANNOTATIONS, incidentAnnotations } from '../metadata';
import { BackendRefusalError, refusal } from './errors';

/** Props every backend receives for one action. */
export interface BackendProps {
  readonly incident: Incident;
  readonly action: NetworkAction;
  /** Index of the action in `incident.actions`. */
  readonly index: number;
  readonly settings: Settings;
}

/** A peer that stays reachable: pods of one namespace (an empty selector is every pod there), or addresses. */
export type AllowedPeer =
  | { readonly kind: 'pods'; readonly namespace: string; readonly selector: Labels }
  | { readonly kind: 'cidr'; readonly cidr: string; readonly except: readonly string[] };

/** One entry of what stays allowed in a direction. */
export interface AllowedTraffic {
  readonly peer: AllowedPeer;
  /** Ports on the peer (egress) or on the contained pods (ingress); absent means every port and protocol. */
  readonly ports?: readonly PortSpec[];
  /** Incident field it came from: `actions[0].allow[1]`, or `actions[0].dns` for the DNS profile. */
  readonly field: string;
  /** Rule name, unique within the action: `dns-0`, `allow-1` (the declared allow's index). */
  readonly name: string;
}

/** One action as every deny-capable backend reads it. */
export interface Containment {
  readonly incident: Incident;
  readonly action: NetworkAction;
  readonly index: number;
  /** Object name: `airlock-<slug>-<index>-<kind>`, as for the NetworkPolicy backend. */
  readonly name: string;
  readonly namespace: string;
  /** Labels of the contained pods in `namespace`; empty means every pod of the namespace. */
  readonly podSelector: Labels;
  readonly dns: DnsProfile;
  /** Directions the action restricts: both, or egress only (restrictEgress). */
  readonly directions: readonly Direction[];
  /** What stays allowed, per direction, in declaration order (DNS first). */
  readonly allowed: Readonly<Record<Direction, readonly AllowedTraffic[]>>;
  /** The action label every object of the action carries (the chart adds the incident labels). */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

function dnsTraffic(profile: DnsProfile, settings: Settings, field: string): AllowedTraffic[] {
  const dnsPorts = (port: number): PortSpec[] => [
    { port, protocol: 'UDP' },
    { port, protocol: 'TCP' },
  ];
  const pods = (p: Settings['dns']['cluster'], name: string): AllowedTraffic => ({
    peer: { kind: 'pods', namespace: p.namespace, selector: p.selector },
    ports: dnsPorts(p.port),
    field,
    name,
  });
  switch (profile) {
    case 'none':
      return [];
    case 'cluster':
      return [pods(settings.dns.cluster, 'dns-0')];
    case 'cluster+nodelocal': {
      const address = settings.dns.nodeLocalAddress;
      const cidr = `${address}/${address.includes(':') ? 128 : 32}`;
      return [pods(settings.dns.cluster, 'dns-0'), { peer: { kind: 'cidr', cidr, except: [] }, ports: dnsPorts(53), field, name: 'dns-1' }];
    }
    case 'openshift':
      return [pods(settings.dns.openshift, 'dns-0')];
  }
}

/**
 * Reads one action for a deny-capable backend. Refuses (BackendRefusalError) what no deny backend can honour:
 * a named port on an address peer, which matches nothing since addresses outside the cluster have no named
 * ports, so the allow the responder wrote would silently allow nothing.
 */
export function containmentOf(props: BackendProps, backend: EnforcementBackend): Containment {
  const { incident, action, index, settings } = props;
  const field = `actions[${index}]`;
  const dns = action.dns ?? settings.dns.defaultProfile;
  const egressOnly = action.kind === 'restrictEgress';
  const allowed: Record<Direction, AllowedTraffic[]> = { ingress: [], egress: [...dnsTraffic(dns, settings, `${field}.dns`)] };
  const problems = [];
  for (const [i, allow] of (action.allow ?? []).entries()) {
    const direction: Direction = egressOnly ? 'egress' : (allow as AllowRule).direction;
    const peer: AllowedPeer = 'cidr' in allow ? { kind: 'cidr', cidr: allow.cidr, except: allow.except ?? [] } : { kind: 'pods', namespace: allow.namespace, selector: allow.selector ?? {} };
    const ports = allow.ports && allow.ports.length > 0 ? allow.ports : undefined;
    const allowField = `${field}.allow[${i}]`;
    if (peer.kind === 'cidr' && ports?.some((p) => typeof p.port === 'string')) {
      problems.push(refusal(incident.file, `${allowField}.ports`, backend, 'a named port on a cidr peer matches nothing (addresses outside the cluster have no named ports)', 'port numbers (and endPort for ranges) on cidr peers'));
    }
    allowed[direction].push({ peer, ...(ports ? { ports } : {}), field: allowField, name: `allow-${i}` });
  }
  if (problems.length > 0) throw new BackendRefusalError(backend, problems);
  const annotations: Record<string, string> = { ...incidentAnnotations(incident), [ANNOTATIONS.dnsProfile]: dns };
  if (action.override) annotations[ANNOTATIONS.overrideReason] = action.override.reason;
  return {
    incident,
    action,
    index,
    name: isolationPolicyName(incident, action, index),
    namespace: action.namespace,
    podSelector: actionPodSelector(incident, action),
    dns,
    directions: egressOnly ? ['egress'] : ['ingress', 'egress'],
    allowed,
    labels: { [ACTION_LABEL]: ACTION_SLUGS[action.kind] },
    annotations,
  };
}

/** Port specs grouped by protocol (TCP when unset), in first-seen order, for APIs with one protocol per rule. */
export function portsByProtocol(ports: readonly PortSpec[]): Map<string, PortSpec[]> {
  const out = new Map<string, PortSpec[]>();
  for (const p of ports) {
    const protocol = p.protocol ?? 'TCP';
    out.set(protocol, [...(out.get(protocol) ?? []), p]);
  }
  return out;
}
