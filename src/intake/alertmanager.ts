/**
 * Alertmanager's webhook payload, version 4 (`POST /v1/alertmanager`): a group of alerts per request. Only
 * `firing` alerts can contain anything; `resolved` ones are reported back and ignored (lifting a containment
 * is a reviewed decision, never an alert's).
 *
 * Mapping onto an {@link Alert}: `alertname` is the rule, the `severity` (or `priority`) label the priority,
 * `namespace`/`pod` (or kube-state-metrics' `exported_*`) the target, `image` (`repo@sha256:…`) or
 * `image_repository` + `image_digest` the image, `tags` (comma-separated) the tags, and `label_<key>` (the
 * kube-state-metrics spelling, every character outside [A-Za-z0-9_] as `_`) the pod's labels.
 */
import { derivedAlertId, isObject, looseString, looseTags, looseTime, sanitizeText, type Alert } from './alert';
import { parsePriority } from './priority';

/** Alerts one request may carry; Alertmanager's own `max_alerts` defaults to 0 (all), so bound it here. */
export const MAX_ALERTS_PER_REQUEST = 1000;

/** Result of {@link parseAlertmanagerPayload}: every alert of the group, or why the payload is malformed. */
export type AlertmanagerParse = { readonly ok: true; readonly alerts: readonly Alert[] } | { readonly ok: false; readonly error: string };

const FINGERPRINT = /^[0-9a-f]{1,32}$/;

/** kube-state-metrics' label name for a Kubernetes label key: `label_` and every other character as `_`. */
export function promLabelName(key: string): string {
  return `label_${key.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function first(labels: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = looseString(labels[k]);
    if (v !== undefined) return v;
  }
  return undefined;
}

function readAlert(raw: Record<string, unknown>, groupStatus: string | undefined): Alert {
  const labels = isObject(raw.labels) ? raw.labels : {};
  const annotations = isObject(raw.annotations) ? raw.annotations : {};
  const status = looseString(raw.status) ?? groupStatus;
  const startsAt = looseTime(raw.startsAt);
  const fingerprint = looseString(raw.fingerprint);
  const id =
    fingerprint !== undefined && FINGERPRINT.test(fingerprint)
      ? `am-${fingerprint}${startsAt ? `-${startsAt.replace(/[^0-9]/g, '').slice(0, 14)}` : ''}`
      : derivedAlertId('am', [labels, raw.startsAt ?? null]);
  let imageRepository = first(labels, 'image_repository', 'container_image_repository');
  let imageDigest = first(labels, 'image_digest', 'container_image_digest');
  const image = first(labels, 'image', 'container_image');
  if (image !== undefined && imageRepository === undefined) {
    const at = image.indexOf('@');
    imageRepository = at < 0 ? image : image.slice(0, at);
    if (at >= 0) imageDigest ??= image.slice(at + 1);
  }
  const podLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    const text = k.startsWith('label_') ? looseString(v) : undefined;
    if (text !== undefined) podLabels[k] = text;
  }
  const namespace = first(labels, 'namespace', 'exported_namespace');
  const pod = first(labels, 'pod', 'exported_pod', 'pod_name');
  const rule = looseString(labels.alertname) ?? '';
  const output = first(annotations, 'summary', 'description', 'message');
  return {
    receiver: 'alertmanager',
    id,
    rule: sanitizeText(rule, 200),
    priority: parsePriority(labels.severity ?? labels.priority),
    tags: looseTags(labels.tags),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(pod !== undefined ? { pod } : {}),
    ...(imageRepository !== undefined ? { imageRepository } : {}),
    ...(imageDigest !== undefined ? { imageDigest } : {}),
    podLabels,
    ...(startsAt !== undefined ? { time: startsAt } : {}),
    ...(output !== undefined ? { output: sanitizeText(output, 300) } : {}),
    firing: status === 'firing',
  };
}

/** Reads one Alertmanager webhook payload. */
export function parseAlertmanagerPayload(json: unknown): AlertmanagerParse {
  if (!isObject(json)) return { ok: false, error: 'payload is not a JSON object (Alertmanager sends {"version": "4", "status", "alerts": [...]})' };
  if (!Array.isArray(json.alerts)) return { ok: false, error: 'payload has no "alerts" list' };
  if (json.alerts.length > MAX_ALERTS_PER_REQUEST) return { ok: false, error: `payload has ${json.alerts.length} alerts; at most ${MAX_ALERTS_PER_REQUEST} per request (set max_alerts in the webhook_config)` };
  const bad = json.alerts.findIndex((a) => !isObject(a));
  if (bad >= 0) return { ok: false, error: `alerts[${bad}] is not an object` };
  const status = looseString(json.status);
  return { ok: true, alerts: (json.alerts as Record<string, unknown>[]).map((a) => readAlert(a, status)) };
}

/** The pod label an Alertmanager alert carries for a Kubernetes label key (see {@link promLabelName}). */
export function alertmanagerPodLabel(alert: Alert, key: string): string | undefined {
  return alert.podLabels[promLabelName(key)];
}
