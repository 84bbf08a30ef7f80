/**
 * The one shape every detector's alert is reduced to before a rule looks at it. Falcosidekick and Alertmanager
 * speak different JSON; the rules, the dedup and the incident generator should not care which one spoke.
 *
 * Everything in an alert is untrusted: whoever can make the detector fire chooses the pod name, the command
 * line in `output`, sometimes the rule text. So this module keeps two kinds of field apart:
 * - identifiers (namespace, pod, image, labels) are carried raw and validated by target.ts before any use,
 *   and an alert whose identifiers do not validate never reaches a file;
 * - descriptive text (rule, output, hostname) is reduced to printable ASCII on one bounded line by
 *   {@link sanitizeText}, so it cannot carry line breaks, bidi overrides or terminal escapes into a reviewed
 *   file, a commit or a log.
 */
import { createHash } from 'node:crypto';
import { parseTimestamp } from '../incident/timestamp';
import { parsePriority as parsePriorityLoose, type FalcoPriority } from './priority';

/** Which endpoint the alert came in on; also the `source` label of the metrics. */
export type AlertReceiver = 'falco' | 'alertmanager';

/** The receivers, for metrics series that must exist from the first scrape. */
export const ALERT_RECEIVERS: readonly AlertReceiver[] = ['falco', 'alertmanager'];

/** A detector's alert, normalised. */
export interface Alert {
  readonly receiver: AlertReceiver;
  /**
   * Stable id of this alert (Falco's `uuid`; Alertmanager's fingerprint and start time), checked against
   * {@link ALERT_ID_PATTERN}. It is what dedup of retries keys on and what `Airlock-Alert` trailers carry.
   */
  readonly id: string;
  /** The detector's rule (Falco `rule`, Alertmanager `alertname`), sanitised text; may be empty. */
  readonly rule: string;
  /** Undefined when the sender's priority is missing or not one Airlock knows: such an alert passes no threshold. */
  readonly priority: FalcoPriority | undefined;
  readonly tags: readonly string[];
  /** Raw, unvalidated identifiers (see the module comment). */
  readonly namespace?: string;
  readonly pod?: string;
  readonly imageRepository?: string;
  readonly imageDigest?: string;
  /** Pod labels the sender included, raw and unvalidated. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Falco's event source (`syscall`, `k8s_audit`, …), sanitised. */
  readonly source?: string;
  /** When the detector saw it, if the sender gave a well-formed ISO 8601 time. */
  readonly time?: string;
  readonly output?: string;
  readonly hostname?: string;
  /** False for Alertmanager's `resolved` notifications, which never contain anything. */
  readonly firing: boolean;
}

/**
 * Alert ids Airlock records: short, plain, no spaces or quotes, so they are safe as trailer values, in the
 * incident file and in annotations (the incident validator accepts any printable id; this is stricter).
 */
export const ALERT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}$/;

/** A derived id for senders that give none (or an unusable one): the same alert resent gets the same id. */
export function derivedAlertId(prefix: string, parts: readonly unknown[]): string {
  return `${prefix}-${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24)}`;
}

/**
 * Folds untrusted text to one line of printable ASCII, at most `max` characters: whitespace runs become one
 * space, every other character outside 0x20–0x7e becomes `?`. Deliberately blunt: a responder loses an accent
 * in a command line, nobody loses a review to a right-to-left override.
 */
export function sanitizeText(value: string, max = 300): string {
  const folded = value.replace(/\s+/g, ' ').trim().replace(/[^\x20-\x7e]/g, '?');
  return folded.length > max ? `${folded.slice(0, max - 3)}...` : folded;
}

/**
 * Reads a field that should be a string from JSON that may say null, a number, or Falco's `<NA>` for "not
 * available": strings are trimmed, numbers and booleans stringified, everything else (and empty) is absent.
 */
export function looseString(value: unknown): string | undefined {
  let text: string | undefined;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'boolean') text = String(value);
  if (text === undefined || text === '' || text === '<NA>' || text === 'N/A') return undefined;
  return text;
}

/** A list of tags from an array (strings or numbers), a comma-separated string, or nothing. */
export function looseTags(value: unknown): string[] {
  const raw = Array.isArray(value) ? value.map(looseString) : typeof value === 'string' ? value.split(',').map(looseString) : [];
  return [...new Set(raw.filter((t): t is string => t !== undefined).map((t) => sanitizeText(t, 100)))];
}

/**
 * The time if it is an ISO 8601 timestamp (what Falco and Alertmanager send) that an incident file accepts as
 * `openedAt`, else undefined.
 */
export function looseTime(value: unknown): string | undefined {
  const text = looseString(value);
  return text !== undefined && parseTimestamp(text) !== undefined ? text : undefined;
}

/** Whether a value is a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * An alert read back from the journal, checked and sanitised again as if it had just arrived: the journal is
 * the server's own file, but a file is still input.
 */
export function reviveAlert(raw: unknown): Alert | undefined {
  if (!isObject(raw)) return undefined;
  const id = looseString(raw.id);
  const receiver = raw.receiver === 'falco' || raw.receiver === 'alertmanager' ? raw.receiver : undefined;
  if (id === undefined || !ALERT_ID_PATTERN.test(id) || receiver === undefined) return undefined;
  const text = (v: unknown, max: number): string | undefined => {
    const s = looseString(v);
    return s === undefined ? undefined : sanitizeText(s, max);
  };
  const podLabels: Record<string, string> = {};
  if (isObject(raw.podLabels)) for (const [k, v] of Object.entries(raw.podLabels)) if (typeof v === 'string') podLabels[k] = v;
  const opt = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> => (value === undefined ? {} : ({ [key]: value } as Record<K, string>));
  return {
    receiver,
    id,
    rule: text(raw.rule, 200) ?? '',
    priority: parsePriorityLoose(raw.priority),
    tags: looseTags(raw.tags),
    ...opt('namespace', looseString(raw.namespace)),
    ...opt('pod', looseString(raw.pod)),
    ...opt('imageRepository', looseString(raw.imageRepository)),
    ...opt('imageDigest', looseString(raw.imageDigest)),
    podLabels,
    ...opt('source', text(raw.source, 60)),
    ...opt('time', looseTime(raw.time)),
    ...opt('output', text(raw.output, 300)),
    ...opt('hostname', text(raw.hostname, 100)),
    firing: raw.firing === true,
  };
}
