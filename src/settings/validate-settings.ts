/**
 * Validation of `policies/settings.ts` and `policies/guardrails.ts`: a typo in the organisation's settings
 * must stop synthesis with the field named, like any incident error.
 */
import type { Problem } from '../errors';
import { validateNotifySettings } from '../gitops/notify-settings';
import { FieldChecker, join } from '../incident/field-checker';
import { checkDns1123Label, checkDns1123Subdomain, checkLabelKey, checkLabelValue, NAME_HINTS } from '../incident/kubernetes-names';
import { isIP } from 'node:net';
import { parseImageReference } from '../incident/image-reference';
import { DNS_PROFILES } from '../incident/types';
import { ADMIN_POLICY_KINDS, ADMISSION_MODES, CLUSTER_OVERRIDES, DEBUG_PROFILES, ENFORCEMENT_BACKENDS, EVIDENCE_ACCESS_MODES } from './settings';

type Json = Record<string, unknown>;

function checkDnsPods(c: FieldChecker, raw: unknown, field: string): void {
  const pods = c.object(raw, field, '{ namespace, selector, port }');
  if (!pods) return;
  c.known(pods, field, ['namespace', 'selector', 'port']);
  c.checked(pods, 'namespace', field, checkDns1123Label, NAME_HINTS.dns1123Label, { required: true });
  const selector = c.object(pods.selector, join(field, 'selector'), 'labels of the DNS pods');
  for (const [k, v] of Object.entries(selector ?? {})) {
    if (checkLabelKey(k) || typeof v !== 'string' || checkLabelValue(v)) c.report(join(join(field, 'selector'), k), 'is not a valid label', `${NAME_HINTS.labelKey}; value ${NAME_HINTS.labelValue}`);
  }
  if (selector && Object.keys(selector).length === 0) c.report(join(field, 'selector'), 'is empty', 'the labels of the DNS pods, e.g. { "k8s-app": "kube-dns" }');
  const port = pods.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) c.report(join(field, 'port'), `is ${String(port)}`, 'a port number 1–65535');
}

/** Problems of `policies/settings.ts` (none when the file is absent: defaults apply). */
export function validateSettings(raw: unknown, file: string): Problem[] {
  if (raw === undefined) return [];
  const c = new FieldChecker(file);
  const spec = c.object(raw, '', 'the default export of defineSettings({...})');
  if (!spec) return c.problems;
  c.known(spec, '', ['backend', 'dns', 'admission', 'git', 'adminNetworkPolicy', 'calico', 'evidence', 'clusters', 'gitops']);
  c.oneOf(spec, 'backend', '', ENFORCEMENT_BACKENDS);
  if (spec.dns !== undefined) {
    const dns = c.object(spec.dns, 'dns');
    if (dns) {
      c.known(dns, 'dns', ['defaultProfile', 'cluster', 'nodeLocalAddress', 'openshift']);
      c.oneOf(dns, 'defaultProfile', 'dns', DNS_PROFILES);
      if (dns.cluster !== undefined) checkDnsPods(c, dns.cluster, 'dns.cluster');
      if (dns.openshift !== undefined) checkDnsPods(c, dns.openshift, 'dns.openshift');
      const address = c.string(dns as Json, 'nodeLocalAddress', 'dns');
      if (address !== undefined && isIP(address) === 0) c.report('dns.nodeLocalAddress', `"${address}" is not an IP address`, 'the NodeLocal DNSCache address, e.g. "169.254.20.10"');
    }
  }
  if (spec.admission !== undefined) {
    const admission = c.object(spec.admission, 'admission');
    if (admission) {
      c.known(admission, 'admission', ['mode', 'apiVersion', 'validationAction', 'webhook']);
      const mode = c.oneOf(admission, 'mode', 'admission', ADMISSION_MODES);
      if (mode === 'webhook' && admission.webhook === undefined) c.report('admission.webhook', 'is missing (mode is "webhook")', "{ image: 'registry.example/airlock@sha256:…' }");
      if (admission.webhook !== undefined) checkWebhook(c, admission.webhook);
      c.oneOf(admission, 'apiVersion', 'admission', ['v1', 'v1beta1']);
      c.oneOf(admission, 'validationAction', 'admission', ['Deny', 'Warn', 'Audit']);
    }
  }
  if (spec.git !== undefined) checkGit(c, spec.git);
  if (spec.adminNetworkPolicy !== undefined) checkAdminNetworkPolicy(c, spec.adminNetworkPolicy);
  if (spec.calico !== undefined) checkCalico(c, spec.calico);
  if (spec.evidence !== undefined) checkEvidence(c, spec.evidence);
  if (spec.clusters !== undefined) checkClusters(c, spec.clusters, file);
  c.problems.push(...validateNotifySettings(spec.gitops, file));
  return c.problems;
}

/** Each cluster: a unique DNS-1123 name and overrides that are valid settings themselves. */
function checkClusters(c: FieldChecker, raw: unknown, file: string): void {
  const seen = new Set<string>();
  (c.array(raw, 'clusters', '[{ name: "prod-eu", backend?: …, admission?: …, dns?: … }]') ?? []).forEach((item, i) => {
    const field = join('clusters', i);
    const cluster = c.object(item, field, '{ name, backend?, admission?, dns?, adminNetworkPolicy?, calico? }');
    if (!cluster) return;
    c.known(cluster, field, ['name', ...CLUSTER_OVERRIDES]);
    const name = c.checked(cluster, 'name', field, checkDns1123Label, NAME_HINTS.dns1123Label, { required: true });
    if (name !== undefined && seen.has(name)) c.report(join(field, 'name'), `"${name}" is declared twice`, 'a unique cluster name');
    if (name !== undefined) seen.add(name);
    const overrides = Object.fromEntries(Object.entries(cluster).filter(([k]) => (CLUSTER_OVERRIDES as readonly string[]).includes(k)));
    for (const p of validateSettings(overrides, file)) c.report(p.field ? join(field, p.field) : field, p.message, p.hint);
  });
}

function checkAdminNetworkPolicy(c: FieldChecker, raw: unknown): void {
  const anp = c.object(raw, 'adminNetworkPolicy', "{ priority?: 10, kind?: 'AdminNetworkPolicy' | 'ClusterNetworkPolicy' }");
  if (!anp) return;
  c.known(anp, 'adminNetworkPolicy', ['priority', 'kind']);
  c.oneOf(anp, 'kind', 'adminNetworkPolicy', ADMIN_POLICY_KINDS);
  const p = anp.priority;
  if (p !== undefined && (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 1000)) {
    c.report('adminNetworkPolicy.priority', `is ${String(p)}`, 'a whole number 0–1000 (lower is evaluated earlier), e.g. 10');
  }
}

function checkCalico(c: FieldChecker, raw: unknown): void {
  const calico = c.object(raw, 'calico', '{ order?: 100 }');
  if (!calico) return;
  c.known(calico, 'calico', ['order']);
  const o = calico.order;
  if (o !== undefined && (typeof o !== 'number' || !Number.isFinite(o) || o < 0 || o >= 1000)) {
    c.report('calico.order', `is ${String(o)}`, 'a number from 0 to below 1000, where Calico orders Kubernetes NetworkPolicies (lower is evaluated earlier), e.g. 100');
  }
}

function checkWebhook(c: FieldChecker, raw: unknown): void {
  const webhook = c.object(raw, 'admission.webhook', "{ image, failurePolicy?, timeoutSeconds?, caBundle? }");
  if (!webhook) return;
  c.known(webhook, 'admission.webhook', ['image', 'failurePolicy', 'timeoutSeconds', 'caBundle']);
  c.string(webhook, 'image', 'admission.webhook', { required: true, singleLine: true, hint: 'the Airlock image, e.g. "ghcr.io/acme/airlock@sha256:…"' });
  c.oneOf(webhook, 'failurePolicy', 'admission.webhook', ['Fail', 'Ignore'] as const);
  const t = webhook.timeoutSeconds;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 30)) c.report('admission.webhook.timeoutSeconds', `is ${String(t)}`, 'a whole number of seconds from 1 to 30');
  c.string(webhook, 'caBundle', 'admission.webhook', { singleLine: true, hint: 'a base64-encoded PEM bundle' });
}

function checkGit(c: FieldChecker, raw: unknown): void {
  const git = c.object(raw, 'git');
  if (!git) return;
  c.known(git, 'git', ['remote', 'base', 'forge', 'labels']);
  c.string(git, 'remote', 'git', { singleLine: true });
  c.string(git, 'base', 'git', { singleLine: true });
  if (git.labels !== undefined) (c.array(git.labels, 'git.labels') ?? []).forEach((l, i) => typeof l === 'string' && l.trim() ? undefined : c.report(join('git.labels', i), 'is not a label', 'a non-empty string'));
  if (git.forge === undefined) return;
  const forge = c.object(git.forge, 'git.forge', "{ kind: 'github', owner, repo, tokenEnv } or { kind: 'gitlab', project, tokenEnv }");
  if (!forge) return;
  const kind = c.oneOf(forge, 'kind', 'git.forge', ['github', 'gitlab'] as const, { required: true });
  if (kind === 'github') {
    c.known(forge, 'git.forge', ['kind', 'baseUrl', 'owner', 'repo', 'tokenEnv']);
    c.string(forge, 'owner', 'git.forge', { required: true, singleLine: true });
    c.string(forge, 'repo', 'git.forge', { required: true, singleLine: true });
  } else if (kind === 'gitlab') {
    c.known(forge, 'git.forge', ['kind', 'baseUrl', 'project', 'tokenEnv']);
    c.string(forge, 'project', 'git.forge', { required: true, singleLine: true });
  }
  const env = c.string(forge, 'tokenEnv', 'git.forge', { required: true, hint: 'the NAME of an environment variable, e.g. "GITHUB_TOKEN"' });
  if (env !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) c.report('git.forge.tokenEnv', `"${env}" is not an environment variable name`, 'e.g. "GITHUB_TOKEN" (never the token itself)');
  const url = c.string(forge, 'baseUrl', 'git.forge');
  if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) c.report('git.forge.baseUrl', `"${url}" is not an http(s) URL`, 'e.g. "https://github.example.com/api/v3"');
}

/** A probe target: an IP address (IPv6 in brackets) and a port. */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
}

/** Parses `ip:port` or `[ipv6]:port`; returns what is wrong when it is neither. */
export function parseProbeTarget(text: string): ProbeTarget | string {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(text);
  if (!m) return `"${text}" is not ip:port`;
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (isIP(host) !== (m[1] !== undefined ? 6 : 4)) return `"${text}" does not name an IP address`;
  if (port < 1 || port > 65535) return `"${text}" has no port 1–65535`;
  return { host, port };
}

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const S3_PREFIX = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*$/;
const HTTP_URL = /^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~\/-]*)?$/;

function isWhole(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * The `evidence` block. Its values become object names, image references and environment variables of the
 * capture and probe Jobs, so each is held to what Kubernetes, the registry and S3 accept, and the forensic
 * image must be pinned by digest: a tag could be moved to other bytes between review and capture.
 */
function checkEvidence(c: FieldChecker, raw: unknown): void {
  const field = 'evidence';
  const evidence = c.object(raw, field, "{ image: 'registry.example/forensics@sha256:…', destination: { kind: 'pvc', claimName } }");
  if (!evidence) return;
  c.known(evidence, field, ['image', 'namespace', 'destination', 'destinations', 'volumeSnapshotClassName', 'debugProfile', 'deadlineSeconds', 'failOnCaptureError', 'probe']);
  const imageHint = 'the forensic image pinned by digest, e.g. "registry.example/forensics/toolbox@sha256:…"';
  const image = c.string(evidence, 'image', field, { required: true, singleLine: true, hint: imageHint });
  if (image !== undefined) {
    const parsed = parseImageReference(image);
    if (!parsed.ok) c.report(join(field, 'image'), parsed.error, imageHint);
    else if (parsed.value.strength !== 'digest') c.report(join(field, 'image'), `"${image}" is not pinned by digest`, imageHint);
  }
  c.checked(evidence, 'namespace', field, checkDns1123Label, NAME_HINTS.dns1123Label);
  if (evidence.destination === undefined) c.report(join(field, 'destination'), 'is missing', "{ kind: 'pvc', claimName: 'airlock-evidence' } or { kind: 's3', endpoint, bucket, credentialsSecret }");
  else checkDestination(c, evidence.destination, join(field, 'destination'));
  if (evidence.destinations !== undefined) {
    const named = c.object(evidence.destinations, join(field, 'destinations'), '{ name: destination }, e.g. { "legal-hold": { kind: "s3", … } }');
    for (const [name, destination] of Object.entries(named ?? {})) {
      const where = join(join(field, 'destinations'), name);
      const problem = checkDns1123Label(name);
      if (problem) c.report(where, problem, `a destination name: ${NAME_HINTS.dns1123Label}`);
      checkDestination(c, destination, where);
    }
    checkProvisionsAgree(c, [[join(field, 'destination'), evidence.destination], ...Object.entries(named ?? {}).map(([name, d]) => [join(join(field, 'destinations'), name), d] as const)]);
  }
  c.checked(evidence, 'volumeSnapshotClassName', field, checkDns1123Subdomain, NAME_HINTS.dns1123Subdomain);
  c.oneOf(evidence, 'debugProfile', field, DEBUG_PROFILES);
  if (evidence.deadlineSeconds !== undefined && !isWhole(evidence.deadlineSeconds, 60, 86400)) c.report(join(field, 'deadlineSeconds'), `is ${String(evidence.deadlineSeconds)}`, 'a whole number of seconds from 60 to 86400');
  if (evidence.failOnCaptureError !== undefined && typeof evidence.failOnCaptureError !== 'boolean') c.report(join(field, 'failOnCaptureError'), `is ${String(evidence.failOnCaptureError)}`, 'true or false');
  if (evidence.probe !== undefined) checkProbe(c, evidence.probe, join(field, 'probe'));
}

function checkDestination(c: FieldChecker, raw: unknown, field: string): void {
  const destination = c.object(raw, field, "{ kind: 'pvc', claimName } or { kind: 's3', endpoint, bucket, prefix?, region?, credentialsSecret }");
  if (!destination) return;
  const kind = c.oneOf(destination, 'kind', field, ['pvc', 's3'] as const, { required: true });
  if (kind === 'pvc') {
    c.known(destination, field, ['kind', 'claimName', 'provision']);
    c.checked(destination, 'claimName', field, checkDns1123Subdomain, `a PersistentVolumeClaim in the evidence namespace: ${NAME_HINTS.dns1123Subdomain}`, { required: true });
    if (destination.provision !== undefined) checkProvision(c, destination.provision, join(field, 'provision'));
  } else if (kind === 's3') {
    c.known(destination, field, ['kind', 'endpoint', 'bucket', 'prefix', 'region', 'credentialsSecret']);
    const url = c.string(destination, 'endpoint', field, { required: true, hint: 'e.g. "https://s3.eu-west-1.amazonaws.com"' });
    if (url !== undefined && !HTTP_URL.test(url)) c.report(join(field, 'endpoint'), `"${url}" is not an http(s) URL of a host`, 'e.g. "https://s3.eu-west-1.amazonaws.com" or "http://minio.storage:9000"');
    const bucket = c.string(destination, 'bucket', field, { required: true });
    if (bucket !== undefined && (!S3_BUCKET.test(bucket) || bucket.includes('..'))) c.report(join(field, 'bucket'), `"${bucket}" is not an S3 bucket name`, '3–63 lower-case letters, digits, "." and "-", starting and ending with a letter or digit');
    const prefix = destination.prefix;
    if (prefix !== undefined && (typeof prefix !== 'string' || !S3_PREFIX.test(prefix))) c.report(join(field, 'prefix'), `is ${JSON.stringify(prefix)}`, 'path segments of letters, digits, ".", "_" and "-", each ending in "/", e.g. "airlock/evidence/"; or "" (no prefix)');
    const region = destination.region;
    if (region !== undefined && (typeof region !== 'string' || !/^[a-z0-9-]{1,32}$/.test(region))) c.report(join(field, 'region'), `is ${JSON.stringify(region)}`, 'a region name, e.g. "eu-west-1"');
    c.checked(destination, 'credentialsSecret', field, checkDns1123Subdomain, `a Secret in the evidence namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: ${NAME_HINTS.dns1123Subdomain}`, { required: true });
  }
}

/** A storage request: a positive decimal with a binary (Ki…Ei) or decimal (k…E) unit. */
const STORAGE_QUANTITY = /^(?=.*[1-9])\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)$/;

function checkProvision(c: FieldChecker, raw: unknown, field: string): void {
  const provision = c.object(raw, field, "{ storage: '200Gi', storageClassName?, accessMode? }");
  if (!provision) return;
  c.known(provision, field, ['storage', 'storageClassName', 'accessMode']);
  const storage = c.string(provision, 'storage', field, { required: true, hint: "a size with a unit, e.g. '200Gi'" });
  if (storage !== undefined && !STORAGE_QUANTITY.test(storage)) c.report(join(field, 'storage'), `"${storage}" is not a storage size`, "a positive number with a unit (Ki, Mi, Gi, Ti, Pi, Ei, or k, M, G, T, P, E), e.g. '200Gi'");
  c.checked(provision, 'storageClassName', field, checkDns1123Subdomain, `a StorageClass: ${NAME_HINTS.dns1123Subdomain}`);
  c.oneOf(provision, 'accessMode', field, EVIDENCE_ACCESS_MODES);
}

/** Two destinations that provision the same claim must agree on it: there is one claim per name. */
function checkProvisionsAgree(c: FieldChecker, destinations: ReadonlyArray<readonly [string, unknown]>): void {
  const seen = new Map<string, { field: string; spec: string }>();
  for (const [field, raw] of destinations) {
    const d = raw as { kind?: unknown; claimName?: unknown; provision?: unknown } | null;
    if (d === null || typeof d !== 'object' || d.kind !== 'pvc' || typeof d.claimName !== 'string' || d.provision === undefined) continue;
    const spec = JSON.stringify(d.provision);
    const earlier = seen.get(d.claimName);
    if (earlier && earlier.spec !== spec) c.report(join(field, 'provision'), `provisions claim "${d.claimName}" differently from ${earlier.field}`, 'the same provision for every destination naming this claim, or provision it once');
    else if (!earlier) seen.set(d.claimName, { field, spec });
  }
}

function checkProbe(c: FieldChecker, raw: unknown, field: string): void {
  const probe = c.object(raw, field, '{ enabled?, egressTargets?, dnsName?, port?, timeoutSeconds? }');
  if (!probe) return;
  c.known(probe, field, ['enabled', 'egressTargets', 'dnsName', 'port', 'timeoutSeconds']);
  if (probe.enabled !== undefined && typeof probe.enabled !== 'boolean') c.report(join(field, 'enabled'), `is ${String(probe.enabled)}`, 'true or false');
  if (probe.egressTargets !== undefined) {
    (c.array(probe.egressTargets, join(field, 'egressTargets'), 'a list of "ip:port"') ?? []).forEach((t, i) => {
      const parsed = typeof t === 'string' ? parseProbeTarget(t) : `is ${JSON.stringify(t)}`;
      if (typeof parsed === 'string') c.report(join(join(field, 'egressTargets'), i), parsed, 'an IP address and a port, e.g. "203.0.113.10:443" or "[2001:db8::10]:443"');
    });
  }
  c.checked(probe, 'dnsName', field, checkDns1123Subdomain, 'a DNS name, e.g. "kubernetes.default.svc.cluster.local"');
  if (probe.port !== undefined && !isWhole(probe.port, 1, 65535)) c.report(join(field, 'port'), `is ${String(probe.port)}`, 'a port number 1–65535');
  if (probe.timeoutSeconds !== undefined && !isWhole(probe.timeoutSeconds, 10, 3600)) c.report(join(field, 'timeoutSeconds'), `is ${String(probe.timeoutSeconds)}`, 'a whole number of seconds from 10 to 3600');
}

/** Problems of `policies/guardrails.ts`. */
export function validateGuardrails(raw: unknown, file: string): Problem[] {
  if (raw === undefined) return [];
  const c = new FieldChecker(file);
  const spec = c.object(raw, '', 'the default export of defineGuardrails({...})');
  if (!spec) return c.problems;
  c.known(spec, '', ['protectedNamespaces', 'blastRadiusLimit']);
  if (spec.protectedNamespaces !== undefined) {
    (c.array(spec.protectedNamespaces, 'protectedNamespaces') ?? []).forEach((ns, i) => {
      if (typeof ns !== 'string' || checkDns1123Label(ns)) c.report(join('protectedNamespaces', i), `is ${JSON.stringify(ns)}`, NAME_HINTS.dns1123Label);
    });
  }
  const limit = spec.blastRadiusLimit;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) c.report('blastRadiusLimit', `is ${String(limit)}`, 'a whole number of pods, at least 1');
  return c.problems;
}
