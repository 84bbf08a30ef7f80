/**
 * Validation of one incident declaration, before anything is written: every rule Kubernetes would enforce on
 * the objects we synthesize, plus Airlock's guardrails. Declarations are plain data that may come from a
 * hand-edited file, `airlock new` or an alert, so nothing is trusted because it type-checked.
 */
import * as path from 'node:path';
import type { Problem } from '../errors';
import type { Guardrails } from '../settings/settings';
import { cidrContains, parseCidr } from './cidr';
import { FieldChecker, describe, join } from './field-checker';
import { IMAGE_REFERENCE_HINT, parseImageReference } from './image-reference';
import { parseTimestamp, TIMESTAMP_HINT } from './timestamp';
import { checkDns1123Label, checkDns1123Subdomain, checkLabelKey, checkLabelValue, checkPortName, NAME_HINTS } from './kubernetes-names';
import { ACTION_KINDS, DIRECTIONS, DNS_PROFILES, INCIDENT_STATUSES, PROTOCOLS, SEVERITIES, type ActionKind, type Incident } from './types';

type Json = Record<string, unknown>;

/** Incident ids become label values and name prefixes, so they are short and plain. */
const ID_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;
const ID_MAX = 40;
export const ID_HINT = `letters, digits and "-", starting and ending with a letter or digit, at most ${ID_MAX} characters (e.g. "INC-2026-0142")`;

const INCIDENT_FIELDS = ['id', 'title', 'severity', 'status', 'openedAt', 'expiresAt', 'owner', 'ticket', 'summary', 'alerts', 'clusters', 'actions'];
const ACTION_FIELDS: Record<ActionKind, readonly string[]> = {
  isolatePod: ['kind', 'namespace', 'pod', 'allow', 'dns', 'override', 'detach'],
  isolateWorkload: ['kind', 'namespace', 'selector', 'allow', 'dns', 'override'],
  quarantineNamespace: ['kind', 'namespace', 'allow', 'dns', 'override'],
  restrictEgress: ['kind', 'namespace', 'pod', 'selector', 'allow', 'dns', 'override'],
  blockImages: ['kind', 'images', 'reason'],
  captureEvidence: ['kind', 'namespace', 'pod', 'container', 'volumes', 'logs', 'connections', 'destination', 'override'],
};

/** Whether an id is acceptable (for `airlock new`, before a file exists). */
export function checkIncidentId(id: string): string | undefined {
  if (id.length > ID_MAX) return `"${id}" is ${id.length} characters long (at most ${ID_MAX})`;
  return ID_PATTERN.test(id) ? undefined : `"${id}" is not a valid incident id`;
}

/** What {@link validateIncident} needs besides the data. */
export interface ValidateIncidentOptions {
  /** Path of the declaring file relative to the project root, e.g. `incidents/INC-1.ts`. */
  readonly file: string;
  readonly guardrails: Guardrails;
  /** Cluster names declared in the settings; empty or absent for a single cluster. */
  readonly clusters?: readonly string[];
}

/** Result of {@link validateIncident}: the incident when there is no problem. */
export type IncidentValidation = { readonly incident: Incident; readonly problems: readonly [] } | { readonly incident?: undefined; readonly problems: readonly Problem[] };

function checkTimestamp(c: FieldChecker, object: Json, key: string, required: boolean): number | undefined {
  const text = c.string(object, key, '', { required, hint: TIMESTAMP_HINT });
  if (text === undefined) return undefined;
  const ms = parseTimestamp(text);
  if (ms === undefined) c.report(key, `is ${describe(text)}`, TIMESTAMP_HINT);
  return ms;
}

/** Checks one incident declaration; returns the incident with defaults applied, or every problem found. */
export function validateIncident(raw: unknown, options: ValidateIncidentOptions): IncidentValidation {
  const c = new FieldChecker(options.file);
  const spec = c.object(raw, '', 'the default export of defineIncident({...})');
  if (!spec) return { problems: c.problems };
  c.known(spec, '', INCIDENT_FIELDS);

  const id = c.checked(spec, 'id', '', checkIncidentId, ID_HINT, { required: true });
  const expectedFile = path.basename(options.file).replace(/\.ts$/, '');
  if (id !== undefined && id !== expectedFile) c.report('id', `is "${id}" but the file is named "${path.basename(options.file)}"`, `rename the file to "${id}.ts" or set id to "${expectedFile}"`);
  c.string(spec, 'title', '', { required: true, singleLine: true });
  c.oneOf(spec, 'severity', '', SEVERITIES, { required: true });
  c.oneOf(spec, 'status', '', INCIDENT_STATUSES);
  c.string(spec, 'owner', '', { required: true, singleLine: true });
  c.string(spec, 'ticket', '', { singleLine: true });
  c.string(spec, 'summary', '');
  const opened = checkTimestamp(c, spec, 'openedAt', true);
  const expires = checkTimestamp(c, spec, 'expiresAt', false);
  if (opened !== undefined && expires !== undefined && expires <= opened) c.report('expiresAt', `(${String(spec.expiresAt)}) is not after openedAt (${String(spec.openedAt)})`, 'a timestamp after openedAt');
  if (spec.alerts !== undefined) {
    (c.array(spec.alerts, 'alerts', 'a list of alert ids') ?? []).forEach((a, i) => {
      if (typeof a !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(a)) c.report(join('alerts', i), `is ${describe(a)}`, 'an alert id: printable characters without spaces');
    });
  }

  if (spec.clusters !== undefined) {
    const declared = options.clusters ?? [];
    const list = c.array(spec.clusters, 'clusters', `a list of cluster names: ${declared.join(', ') || '(none declared)'}`);
    if (list && declared.length === 0) c.report('clusters', 'names clusters, but policies/settings.ts declares none', 'leave clusters out (one cluster), or declare clusters in the settings');
    else if (list?.length === 0) c.report('clusters', 'is empty: the incident would contain nothing', `some of: ${declared.join(', ')}; or leave it out for every cluster`);
    else list?.forEach((name, i) => {
      if (typeof name !== 'string' || !declared.includes(name)) c.report(join('clusters', i), `is ${describe(name)}, not a declared cluster`, declared.join(', '));
    });
  }

  const actions = c.array(spec.actions, 'actions', 'a non-empty list of actions, e.g. [isolate({ namespace, pod })]');
  if (actions && actions.length === 0) c.report('actions', 'is empty', 'at least one action, e.g. isolate({ namespace, pod })');
  actions?.forEach((action, i) => checkAction(c, action, join('actions', i), options.guardrails));

  if (c.problems.length > 0) return { problems: c.problems };
  const incident = { ...(spec as unknown as Incident), status: (spec.status as Incident['status'] | undefined) ?? 'active', slug: id!.toLowerCase(), file: options.file };
  return { incident, problems: [] };
}

function checkAction(c: FieldChecker, raw: unknown, field: string, guardrails: Guardrails): void {
  const action = c.object(raw, field, 'an action made by isolate(), quarantineNamespace(), restrictEgress(), blockImages() or captureEvidence()');
  if (!action) return;
  const kind = c.oneOf(action, 'kind', field, ACTION_KINDS, { required: true });
  if (!kind) return;
  c.known(action, field, ACTION_FIELDS[kind]);
  if (kind === 'blockImages') {
    const images = c.array(action.images, join(field, 'images'), 'a non-empty list of image references');
    if (images?.length === 0) c.report(join(field, 'images'), 'is empty', 'at least one image reference');
    images?.forEach((image, i) => {
      if (typeof image !== 'string') return c.report(join(join(field, 'images'), i), `is ${describe(image)}`, IMAGE_REFERENCE_HINT);
      const parsed = parseImageReference(image);
      if (!parsed.ok) c.report(join(join(field, 'images'), i), parsed.error, parsed.hint);
    });
    c.string(action, 'reason', field, { required: true, singleLine: true, hint: 'why the images are blocked (shown in the denial message)' });
    return;
  }

  const namespace = c.checked(action, 'namespace', field, checkDns1123Label, NAME_HINTS.dns1123Label, { required: true });
  if (action.detach !== undefined && typeof action.detach !== 'boolean') c.report(join(field, 'detach'), `is ${describe(action.detach)}`, 'true or false');
  c.oneOf(action, 'dns', field, DNS_PROFILES);
  let overridden = false;
  if (action.override !== undefined) {
    const override = c.object(action.override, join(field, 'override'), '{ reason: "why this protected namespace must be contained" }');
    if (override) {
      c.known(override, join(field, 'override'), ['reason']);
      overridden = c.string(override, 'reason', join(field, 'override'), { required: true, singleLine: true }) !== undefined;
    }
  }
  if (namespace && guardrails.protectedNamespaces.includes(namespace) && !overridden) {
    c.report(join(field, 'namespace'), `"${namespace}" is a protected namespace (guardrails)`, 'another namespace, or add override: { reason: "..." } to this action (airlock new: --override REASON)');
  }

  if (kind === 'captureEvidence') return checkCaptureEvidence(c, action, field);

  const hasPod = action.pod !== undefined;
  const hasSelector = action.selector !== undefined;
  if (kind === 'isolatePod' || (kind === 'restrictEgress' && hasPod)) {
    c.checked(action, 'pod', field, checkDns1123Subdomain, NAME_HINTS.dns1123Subdomain, { required: true });
  }
  if (kind === 'isolateWorkload' || (kind === 'restrictEgress' && hasSelector)) checkSelector(c, action.selector, join(field, 'selector'));
  if (kind === 'restrictEgress' && hasPod === hasSelector) c.report(field, hasPod ? 'names both pod and selector' : 'names neither pod nor selector', 'exactly one of pod (one pod by name) or selector (pods by labels)');

  const allowField = join(field, 'allow');
  if (kind === 'restrictEgress' && action.allow === undefined) c.report(allowField, 'is missing', 'the egress that stays allowed, e.g. [{ cidr: "10.0.0.0/8", ports: [{ port: 443 }] }], or [] for none');
  if (action.allow === undefined) return;
  (c.array(action.allow, allowField) ?? []).forEach((rule, i) => checkAllow(c, rule, join(allowField, i), kind === 'restrictEgress'));
}

/**
 * The fields of captureEvidence beyond namespace and override. Every value ends up in a Job's environment and
 * in object names, so each is held to the Kubernetes rule for what it names; the destination's existence is
 * checked against the settings at synthesis (EvidenceSettingsError), where the settings are known.
 */
function checkCaptureEvidence(c: FieldChecker, action: Json, field: string): void {
  c.checked(action, 'pod', field, checkDns1123Subdomain, NAME_HINTS.dns1123Subdomain, { required: true });
  c.checked(action, 'container', field, checkDns1123Label, `a container name: ${NAME_HINTS.dns1123Label}`);
  for (const flag of ['logs', 'connections'] as const) {
    if (action[flag] !== undefined && typeof action[flag] !== 'boolean') c.report(join(field, flag), `is ${describe(action[flag])}`, 'true or false');
  }
  c.checked(action, 'destination', field, checkDns1123Label, `the name of a destination in settings.evidence.destinations: ${NAME_HINTS.dns1123Label}`);
  if (action.volumes === undefined) return;
  const volumesField = join(field, 'volumes');
  const volumes = c.array(action.volumes, volumesField, 'a list of PersistentVolumeClaim names, e.g. ["data-checkout-0"]');
  if (volumes?.length === 0) c.report(volumesField, 'is empty', 'PersistentVolumeClaim names of the pod, or leave volumes out');
  const seen = new Set<string>();
  volumes?.forEach((volume, i) => {
    const where = join(volumesField, i);
    if (typeof volume !== 'string') return c.report(where, `is ${describe(volume)}`, `a PersistentVolumeClaim name: ${NAME_HINTS.dns1123Subdomain}`);
    const problem = checkDns1123Subdomain(volume);
    if (problem) c.report(where, problem, `a PersistentVolumeClaim name: ${NAME_HINTS.dns1123Subdomain}`);
    else if (seen.has(volume)) c.report(where, `"${volume}" is listed twice`, 'each claim once');
    seen.add(volume);
  });
}

function checkSelector(c: FieldChecker, raw: unknown, field: string): void {
  const selector = c.object(raw, field, 'labels, e.g. { app: "checkout" }');
  if (!selector) return;
  const entries = Object.entries(selector);
  if (entries.length === 0) c.report(field, 'is empty: it would select every pod in the namespace', 'at least one label, or quarantineNamespace({ namespace }) to contain the whole namespace');
  for (const [key, value] of entries) {
    const keyProblem = checkLabelKey(key);
    if (keyProblem) c.report(join(field, key), keyProblem, NAME_HINTS.labelKey);
    if (typeof value !== 'string') c.report(join(field, key), `is ${describe(value)}`, NAME_HINTS.labelValue);
    else if (checkLabelValue(value)) c.report(join(field, key), checkLabelValue(value)!, NAME_HINTS.labelValue);
  }
}

function checkAllow(c: FieldChecker, raw: unknown, field: string, egressOnly: boolean): void {
  const rule = c.object(raw, field, '{ namespace, selector? } or { cidr, except? }, with optional ports');
  if (!rule) return;
  const directionFields = egressOnly ? [] : ['direction'];
  const isCidr = rule.cidr !== undefined;
  c.known(rule, field, [...directionFields, ...(isCidr ? ['cidr', 'except'] : ['namespace', 'selector']), 'ports']);
  if (!egressOnly) c.oneOf(rule, 'direction', field, DIRECTIONS, { required: true });
  if (isCidr) {
    const cidrText = c.string(rule, 'cidr', field, { hint: 'an IPv4 or IPv6 CIDR, e.g. "203.0.113.0/24"' });
    const cidr = cidrText === undefined ? undefined : parseCidr(cidrText);
    if (typeof cidr === 'string') c.report(join(field, 'cidr'), cidr, 'a CIDR with no host bits set, e.g. "203.0.113.0/24" or "2001:db8::/32"');
    if (rule.except !== undefined) {
      (c.array(rule.except, join(field, 'except')) ?? []).forEach((e, i) => {
        const where = join(join(field, 'except'), i);
        if (typeof e !== 'string') return c.report(where, `is ${describe(e)}`, 'a CIDR inside cidr');
        const inner = parseCidr(e);
        if (typeof inner === 'string') c.report(where, inner, 'a CIDR inside cidr');
        else if (cidr && typeof cidr !== 'string' && !cidrContains(cidr, inner)) c.report(where, `"${e}" is not inside cidr "${cidrText}"`, `a range inside ${cidrText}`);
      });
    }
  } else {
    c.checked(rule, 'namespace', field, checkDns1123Label, `${NAME_HINTS.dns1123Label}; or use cidr for addresses`, { required: true });
    if (rule.selector !== undefined) {
      const selector = c.object(rule.selector, join(field, 'selector'), 'labels, e.g. { app: "db" }');
      if (selector && Object.keys(selector).length === 0) c.report(join(field, 'selector'), 'is empty', 'labels, or leave selector out to mean every pod in the namespace');
      else if (selector) checkSelector(c, selector, join(field, 'selector'));
    }
  }
  if (rule.ports !== undefined) (c.array(rule.ports, join(field, 'ports')) ?? []).forEach((p, i) => checkPort(c, p, join(join(field, 'ports'), i)));
}

function checkPort(c: FieldChecker, raw: unknown, field: string): void {
  const port = c.object(raw, field, '{ port: 443, protocol?: "TCP", endPort? }');
  if (!port) return;
  c.known(port, field, ['port', 'endPort', 'protocol']);
  c.oneOf(port, 'protocol', field, PROTOCOLS);
  const value = port.port;
  const portHint = 'a port number 1–65535 or a container port name such as "http"';
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 1 || value > 65535) c.report(join(field, 'port'), `is ${describe(value)}`, portHint);
  } else if (typeof value === 'string') {
    const problem = checkPortName(value);
    if (problem) c.report(join(field, 'port'), problem, NAME_HINTS.portName);
  } else {
    c.report(join(field, 'port'), `is ${describe(value)}`, portHint);
  }
  if (port.endPort === undefined) return;
  const end = port.endPort;
  if (typeof value !== 'number') c.report(join(field, 'endPort'), 'needs a numeric port (a range cannot start at a named port)', 'a numeric port with endPort >= port');
  else if (typeof end !== 'number' || !Number.isInteger(end) || end < value || end > 65535) c.report(join(field, 'endPort'), `is ${describe(end)}`, `a port number from ${value} to 65535`);
}
