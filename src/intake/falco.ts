/**
 * Falcosidekick's webhook payload (`POST /v1/falco`), read tolerantly: Falcosidekick forwards whatever Falco
 * produced, so fields may be null, numbers, `<NA>`, or missing on older versions. Only a payload that is not
 * an object or names no rule is malformed; everything else becomes an {@link Alert} and the rules decide.
 */
import { derivedAlertId, isObject, looseString, looseTags, looseTime, sanitizeText, ALERT_ID_PATTERN, type Alert } from './alert';
import { parsePriority } from './priority';

/** Result of {@link parseFalcoPayload}: the alert, or why the payload is malformed (answered 400). */
export type FalcoParse = { readonly ok: true; readonly alert: Alert } | { readonly ok: false; readonly error: string };

/** Output fields Airlock reads (Falco's field names). */
export const FALCO_FIELDS = {
  namespace: 'k8s.ns.name',
  pod: 'k8s.pod.name',
  imageRepository: 'container.image.repository',
  imageDigest: 'container.image.digest',
} as const;

/** `k8s.pod.label.app` or `k8s.pod.label[app]`: the forms Falco prints an indexed pod label field in. */
const POD_LABEL_FIELD = /^k8s\.pod\.label(?:\.(.+)|\[(.+)\])$/;

/** Reads one Falcosidekick payload. */
export function parseFalcoPayload(json: unknown): FalcoParse {
  if (!isObject(json)) return { ok: false, error: 'payload is not a JSON object (Falcosidekick sends {"uuid", "rule", "priority", "output_fields", ...})' };
  const rule = looseString(json.rule);
  if (rule === undefined) return { ok: false, error: 'payload has no "rule"' };
  const fields = isObject(json.output_fields) ? json.output_fields : {};
  const podLabels: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    const m = POD_LABEL_FIELD.exec(key);
    const text = m ? looseString(value) : undefined;
    if (m && text !== undefined) podLabels[(m[1] ?? m[2])!] = text;
  }
  const namespace = looseString(fields[FALCO_FIELDS.namespace]);
  const pod = looseString(fields[FALCO_FIELDS.pod]);
  const imageRepository = looseString(fields[FALCO_FIELDS.imageRepository]);
  const imageDigest = looseString(fields[FALCO_FIELDS.imageDigest]);
  const time = looseTime(json.time);
  const uuid = looseString(json.uuid);
  const output = looseString(json.output);
  const hostname = looseString(json.hostname);
  const source = looseString(json.source);
  const id = uuid !== undefined && ALERT_ID_PATTERN.test(uuid) ? uuid : derivedAlertId('falco', [rule, json.time ?? null, namespace ?? null, pod ?? null, output ?? null]);
  return {
    ok: true,
    alert: {
      receiver: 'falco',
      id,
      rule: sanitizeText(rule, 200),
      priority: parsePriority(json.priority),
      tags: looseTags(json.tags),
      ...(namespace !== undefined ? { namespace } : {}),
      ...(pod !== undefined ? { pod } : {}),
      ...(imageRepository !== undefined ? { imageRepository } : {}),
      ...(imageDigest !== undefined ? { imageDigest } : {}),
      podLabels,
      ...(source !== undefined ? { source: sanitizeText(source, 60) } : {}),
      ...(time !== undefined ? { time } : {}),
      ...(output !== undefined ? { output: sanitizeText(output, 300) } : {}),
      ...(hostname !== undefined ? { hostname: sanitizeText(hostname, 100) } : {}),
      firing: true,
    },
  };
}
