/**
 * The post-sync enforcement probe of one network action: a Job (Argo CD `PostSync` hook) that starts a canary
 * with the action's labels in the contained namespace and proves the containment holds (scripts/probe.sh), or
 * fails — and with it the sync. What the probe expects is decided here, from the action and the settings:
 *
 * - ingress is checked from the probe Job, in the evidence namespace; not for `restrictEgress` (ingress is left
 *   as it was), nor when an ingress allow could admit the Job (a peer in the evidence namespace, or any CIDR);
 * - egress targets are the API service (found at run time) and `settings.evidence.probe.egressTargets`, less
 *   those an egress allow by CIDR covers (the script leaves the API service unchecked when one covers it);
 * - DNS must resolve unless the action's profile is `none`, where it must fail.
 *
 * Limits, stated in the runbook: the canary opens new connections, so a CNI that spares established flows is
 * not caught by it; NodeLocal DNSCache under the `cluster` profile shows as `dns-broken`; an allow of pods
 * (not CIDRs) that happens to cover the API service's endpoints (a self-hosted control plane) shows as
 * `not-enforced`.
 */
import type { Manifest } from '../../admission/manifest';
import { INCIDENT_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../admission/manifest';
import { cidrContains, parseCidr, type Cidr } from '../../incident/cidr';
import type { DnsProfile, EgressAllow, Incident, NetworkAction } from '../../incident/types';
import type { ResolvedEvidenceSettings, Settings } from '../../settings/settings';
import { parseProbeTarget } from '../../settings/validate-settings';
import { actionPodSelector, isolationPolicyName } from '../isolation-policy';
import { ACTION_LABEL, ANNOTATIONS, incidentAnnotations } from '../metadata';
import { canaryManifest } from './canary';
import { hookJobAnnotations, hookSupportAnnotations } from './gitops-annotations';
import { probeNames } from './names';
import { grant, resultConfigMapRules, serviceAccount, type PolicyRule } from './rbac';
import { scriptHashAnnotation, scriptText, sha256, SCRIPTS_MOUNT } from './scripts';
import { containerSecurityContext, podSecurityContext } from './security';
import { ACTION_INDEX_LABEL, RESULT_KINDS, RESULT_LABEL } from './status-contract';

/** Value of the `airlock.dev/action` label on probe objects. */
export const PROBE_ACTION_LABEL = 'enforcement-probe';
/** Annotation on probe objects naming the policy they check. */
export const PROBE_OF_ANNOTATION = 'airlock.dev/probe-of';

/** What the probe of one action checks, and what it leaves out and why. */
export interface ProbeExpectations {
  readonly checkIngress: boolean;
  /** Why ingress is not checked, when it is not. */
  readonly ingressSkipped?: string;
  readonly egressTargets: readonly string[];
  /** Targets of the settings that an allow covers, each with the allow's CIDR. */
  readonly egressSkipped: ReadonlyArray<{ readonly target: string; readonly allowedBy: string }>;
  /** The action's egress allows by CIDR, for the script to leave the API service unchecked when one covers it. */
  readonly egressAllows: readonly string[];
  readonly dnsProfile: DnsProfile;
  readonly dnsExpect: 'resolve' | 'blocked';
  readonly dnsName: string;
}

function asHostCidr(host: string): Cidr | undefined {
  const parsed = parseCidr(`${host}/${host.includes(':') ? 128 : 32}`);
  return typeof parsed === 'string' ? undefined : parsed;
}

type CidrAllow = Extract<EgressAllow, { readonly cidr: string }>;

/** The TCP ports an allow opens, as the probe script reads them: `all`, or `443,8000-8100`; undefined for none. */
function tcpPorts(allow: CidrAllow): string | undefined {
  if (allow.ports === undefined) return 'all';
  const tcp = allow.ports.filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  if (tcp.length === 0) return undefined;
  // A named port may be any number on the peer: count it as every port (the target is then left unchecked).
  if (tcp.some((p) => typeof p.port === 'string')) return 'all';
  return tcp.map((p) => (p.endPort !== undefined ? `${p.port}-${p.endPort}` : String(p.port))).join(',');
}

function portIn(port: number, spec: string): boolean {
  return spec === 'all' || spec.split(',').some((r) => {
    const [low, high = low] = r.split('-').map(Number);
    return port >= low && port <= high;
  });
}

/** The allow of `allows` that lets TCP traffic to `host:port` through, if any (excepts honoured). */
function coveringAllow(host: string, port: number, allows: readonly CidrAllow[]): CidrAllow | undefined {
  const address = asHostCidr(host);
  if (!address) return undefined;
  return allows.find((a) => {
    const ports = tcpPorts(a);
    const outer = parseCidr(a.cidr);
    if (ports === undefined || !portIn(port, ports) || typeof outer === 'string' || !cidrContains(outer, address)) return false;
    return !(a.except ?? []).some((e) => {
      const hole = parseCidr(e);
      return typeof hole !== 'string' && cidrContains(hole, address);
    });
  });
}

/** The `AIRLOCK_EGRESS_ALLOWS` entries of the probe script: `cidr[!except…]@ports`. */
function allowEntries(allows: readonly CidrAllow[]): string[] {
  return allows.flatMap((a) => {
    const ports = tcpPorts(a);
    return ports === undefined ? [] : [`${[a.cidr, ...(a.except ?? [])].join('!')}@${ports}`];
  });
}

/** The checks of the probe of `action`, from the action and the evidence settings. */
export function probeExpectations(action: NetworkAction, settings: Settings, evidence: ResolvedEvidenceSettings): ProbeExpectations {
  const allows = action.allow ?? [];
  const ingressAllows = action.kind === 'restrictEgress' ? [] : allows.filter((a) => 'direction' in a && a.direction === 'ingress');
  const egressAllows = action.kind === 'restrictEgress' ? allows : allows.filter((a) => 'direction' in a && a.direction === 'egress');
  let ingressSkipped: string | undefined;
  if (action.kind === 'restrictEgress') ingressSkipped = 'restrictEgress leaves ingress as it was';
  else if (ingressAllows.some((a) => 'cidr' in a)) ingressSkipped = 'an ingress allow by CIDR may cover the probe Job\'s address';
  else if (ingressAllows.some((a) => 'namespace' in a && a.namespace === evidence.namespace)) ingressSkipped = `an ingress allow admits pods of ${evidence.namespace}, where the probe Job runs`;

  const cidrAllows = egressAllows.filter((a): a is CidrAllow => 'cidr' in a);
  const egressTargets: string[] = [];
  const egressSkipped: Array<{ target: string; allowedBy: string }> = [];
  for (const target of evidence.probe.egressTargets) {
    const parsed = parseProbeTarget(target);
    const allow = typeof parsed === 'string' ? undefined : coveringAllow(parsed.host, parsed.port, cidrAllows);
    if (allow) egressSkipped.push({ target, allowedBy: allow.cidr });
    else egressTargets.push(target);
  }
  const dnsProfile = action.dns ?? settings.dns.defaultProfile;
  return {
    checkIngress: ingressSkipped === undefined,
    ...(ingressSkipped ? { ingressSkipped } : {}),
    egressTargets,
    egressSkipped,
    egressAllows: allowEntries(cidrAllows),
    dnsProfile,
    dnsExpect: dnsProfile === 'none' ? 'blocked' : 'resolve',
    dnsName: evidence.probe.dnsName,
  };
}

/**
 * What the probe's Role in the contained namespace grants: creating pods (a create names no object, so it
 * cannot be narrowed to the canary), and reading, deleting and reading the logs of the canary alone, plus
 * reading its owner ConfigMap's uid.
 */
export function probeRules(names: { readonly canary: string; readonly anchor: string }): PolicyRule[] {
  return [
    { apiGroups: [''], resources: ['pods'], verbs: ['create'] },
    { apiGroups: [''], resources: ['pods'], resourceNames: [names.canary], verbs: ['get', 'delete'] },
    { apiGroups: [''], resources: ['pods/log'], resourceNames: [names.canary], verbs: ['get'] },
    { apiGroups: [''], resources: ['configmaps'], resourceNames: [names.anchor], verbs: ['get'] },
  ];
}

/** Every object of the probe of network action `index`, in a stable order. */
export function probeObjects(incident: Incident, action: NetworkAction, index: number, settings: Settings, evidence: ResolvedEvidenceSettings): Manifest[] {
  const names = probeNames(incident, index);
  const ns = evidence.namespace;
  const expect = probeExpectations(action, settings, evidence);
  const labels = { [ACTION_LABEL]: PROBE_ACTION_LABEL };
  const annotations = {
    ...incidentAnnotations(incident),
    ...(action.override ? { [ANNOTATIONS.overrideReason]: action.override.reason } : {}),
    [PROBE_OF_ANNOTATION]: isolationPolicyName(incident, action, index),
  };
  const support = { labels, annotations: { ...annotations, ...hookSupportAnnotations('PostSync') } };
  const timeout = evidence.probe.timeoutSeconds;
  const canary = canaryManifest({
    incident,
    namespace: action.namespace,
    name: names.canary,
    anchor: names.anchor,
    selector: actionPodSelector(incident, action),
    image: evidence.image,
    port: evidence.probe.port,
    egressTargets: expect.egressTargets,
    dnsName: expect.dnsName,
    deadlineSeconds: timeout + 300,
    annotations,
  });
  const files = { 'probe.sh': scriptText('probe.sh'), 'canary.json': `${JSON.stringify(canary, null, 2)}\n` };
  const subject = { name: names.job, namespace: ns };
  const env: Array<Record<string, unknown>> = [
    { name: 'AIRLOCK_INCIDENT', value: incident.id },
    { name: 'AIRLOCK_ACTION_INDEX', value: String(index) },
    { name: 'AIRLOCK_NAMESPACE', value: action.namespace },
    { name: 'AIRLOCK_CANARY', value: names.canary },
    { name: 'AIRLOCK_CANARY_MANIFEST', value: `${SCRIPTS_MOUNT}/canary.json` },
    { name: 'AIRLOCK_ANCHOR', value: names.anchor },
    { name: 'AIRLOCK_PORT', value: String(evidence.probe.port) },
    { name: 'AIRLOCK_CHECK_INGRESS', value: String(expect.checkIngress) },
    { name: 'AIRLOCK_EGRESS_TARGETS', value: expect.egressTargets.join(' ') },
    { name: 'AIRLOCK_EGRESS_ALLOWS', value: expect.egressAllows.join(' ') },
    { name: 'AIRLOCK_DNS_NAME', value: expect.dnsName },
    { name: 'AIRLOCK_DNS_EXPECT', value: expect.dnsExpect },
    { name: 'AIRLOCK_TIMEOUT_SECONDS', value: String(timeout) },
    { name: 'AIRLOCK_RESULT_CONFIGMAP', value: names.result },
    { name: 'AIRLOCK_RESULT_NAMESPACE', value: ns },
    { name: 'HOME', value: '/tmp' },
    { name: 'KUBECACHEDIR', value: '/tmp/kube-cache' },
  ];

  return [
    serviceAccount(names.job, ns, support),
    ...grant(names.job, action.namespace, probeRules(names), subject, support),
    ...grant(names.job, ns, resultConfigMapRules(names.result), subject, support),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: names.scripts, namespace: ns, labels, annotations: { ...support.annotations, ...Object.fromEntries(Object.entries(files).map(([f, text]) => [scriptHashAnnotation(f), sha256(text)])) } },
      data: files,
    },
    // Ordinary manifests (not hooks): they exist once the Sync phase is done, and go when the incident is lifted.
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: names.anchor, namespace: action.namespace, labels, annotations } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: names.result, namespace: ns, labels: { ...labels, [RESULT_LABEL]: RESULT_KINDS.probe, [ACTION_INDEX_LABEL]: String(index) }, annotations } },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: names.job, namespace: ns, labels, annotations: { ...annotations, ...hookJobAnnotations('PostSync') } },
      spec: {
        // The script retries on its own until the timeout; a pod retry would only hide a failed verdict.
        backoffLimit: 0,
        activeDeadlineSeconds: timeout + 180,
        template: {
          metadata: {
            labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [INCIDENT_LABEL]: incident.id, ...labels },
            annotations: { 'airlock.dev/scripts-sha256': sha256(Object.entries(files).map(([f, t]) => `${f}\n${t}`).join('\n')) },
          },
          spec: {
            serviceAccountName: names.job,
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            restartPolicy: 'Never',
            securityContext: podSecurityContext(),
            containers: [
              {
                name: 'probe',
                image: evidence.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', `${SCRIPTS_MOUNT}/probe.sh`],
                env,
                resources: { requests: { cpu: '20m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
                securityContext: containerSecurityContext(),
                volumeMounts: [
                  { name: 'scripts', mountPath: SCRIPTS_MOUNT, readOnly: true },
                  { name: 'scratch', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'scripts', configMap: { name: names.scripts, defaultMode: 0o444 } },
              { name: 'scratch', emptyDir: {} },
            ],
          },
        },
      },
    },
  ];
}
