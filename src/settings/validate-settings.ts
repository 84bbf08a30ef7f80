/**
 * Validation of `policies/settings.ts` and `policies/guardrails.ts`: a typo in the organisation's settings
 * must stop synthesis with the field named, like any incident error.
 */
import type { Problem } from '../errors';
import { FieldChecker, join } from '../incident/field-checker';
import { checkDns1123Label, checkLabelKey, checkLabelValue, NAME_HINTS } from '../incident/kubernetes-names';
import { isIP } from 'node:net';
import { DNS_PROFILES } from '../incident/types';
import { ADMISSION_MODES, ENFORCEMENT_BACKENDS } from './settings';

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
  c.known(spec, '', ['backend', 'dns', 'admission']);
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
      c.known(admission, 'admission', ['mode', 'apiVersion', 'validationAction']);
      c.oneOf(admission, 'mode', 'admission', ADMISSION_MODES);
      c.oneOf(admission, 'apiVersion', 'admission', ['v1', 'v1beta1']);
      c.oneOf(admission, 'validationAction', 'admission', ['Deny', 'Warn', 'Audit']);
    }
  }
  return c.problems;
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
