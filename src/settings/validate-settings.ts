/**
 * Validation of `policies/settings.ts` and `policies/guardrails.ts`: a typo in the organisation's settings
 * must stop synthesis with the field named, like any incident error.
 */
import type { Problem } from '../errors';
import { FieldChecker, join } from '../incident/field-checker';
import { checkDns1123Label, checkLabelKey, checkLabelValue, NAME_HINTS } from '../incident/kubernetes-names';
import { isIP } from 'node:net';
import { DNS_PROFILES } from '../incident/types';
import { ADMIN_POLICY_KINDS, ADMISSION_MODES, CLUSTER_OVERRIDES, ENFORCEMENT_BACKENDS } from './settings';

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
  c.known(spec, '', ['backend', 'dns', 'admission', 'git', 'adminNetworkPolicy', 'calico', 'clusters']);
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
  if (spec.clusters !== undefined) checkClusters(c, spec.clusters, file);
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
