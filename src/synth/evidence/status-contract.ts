/**
 * What the capture and probe Jobs leave in the cluster for `airlock status` (and for a responder with kubectl)
 * to read. This module is the contract between the static scripts that write the results and whoever reads
 * them; it imports nothing, so the CLI can use it without loading cdk8s.
 *
 * Results are ConfigMaps in the evidence namespace (`settings.evidence.namespace`, default `airlock-system`),
 * one per action, found by name (`airlock-<slug>-<index>-evidence` and `airlock-<slug>-<index>-probe`) or by
 * the labels `airlock.dev/incident=<ID>` and `airlock.dev/result=evidence|probe`, with the action's index in
 * `airlock.dev/action-index`. A result ConfigMap without data means the Job has not finished yet (or, for a
 * capture under Argo CD, that a new sync is running it again).
 */

/** Label telling a result ConfigMap's kind. */
export const RESULT_LABEL = 'airlock.dev/result';
/** Label carrying the index of the action in `incident.actions` (a string, as labels are). */
export const ACTION_INDEX_LABEL = 'airlock.dev/action-index';
/** Values of {@link RESULT_LABEL}. */
export const RESULT_KINDS = { evidence: 'evidence', probe: 'probe' } as const;

/**
 * Keys of an evidence result:
 * - `status`: see {@link EvidenceStatus};
 * - `run`: the run's folder name, `<UTC timestamp>-<suffix of the Job's pod>`;
 * - `captured-at`: when the run started (UTC, ISO 8601);
 * - `location`: `pvc://<claim>/<incident>/<namespace>/<pod>/<run>` or `s3://<bucket>/<prefix><incident>/…/<run>`;
 * - `manifest-sha256`: sha256 of the run's `SHA256SUMS` (compare it with the file to detect tampering);
 * - `files`: how many files `SHA256SUMS` lists;
 * - `failed-steps`: space-separated names of the steps that failed (empty when none).
 */
export const EVIDENCE_RESULT_KEYS = ['status', 'run', 'captured-at', 'location', 'manifest-sha256', 'files', 'failed-steps'] as const;

/** `complete`; `partial` (some steps failed); `failed` (nothing usable, e.g. the destination); `pod-not-found` (events only). */
export type EvidenceStatus = 'complete' | 'partial' | 'failed' | 'pod-not-found';
/** Every {@link EvidenceStatus}, for validating what a ConfigMap holds. */
export const EVIDENCE_STATUSES: readonly EvidenceStatus[] = ['complete', 'partial', 'failed', 'pod-not-found'];

/**
 * Keys of a probe result:
 * - `verdict`: see {@link ProbeVerdict};
 * - `checked-at`: when the probe started (UTC, ISO 8601);
 * - `checks`: one line per check, `<ingress|egress|dns|canary> <what> <open|blocked|resolved|failed|unproven|not-checked|not-started> [(why)]`;
 * - `canary`: `<namespace>/<pod> (<ip>)`;
 * - `rounds`: how many rounds of checks ran before the verdict.
 */
export const PROBE_RESULT_KEYS = ['verdict', 'checked-at', 'checks', 'canary', 'rounds'] as const;

/**
 * `enforced`: everything the containment must cut is cut, and DNS behaves as the profile says;
 * `not-enforced`: something got through (the Job, and so the sync, failed);
 * `dns-broken`: contained, but DNS that the profile allows does not resolve;
 * `inconclusive`: the canary did not start, or a check could not be proven.
 */
export type ProbeVerdict = 'enforced' | 'not-enforced' | 'dns-broken' | 'inconclusive';
/** Every {@link ProbeVerdict}, for validating what a ConfigMap holds. */
export const PROBE_VERDICTS: readonly ProbeVerdict[] = ['enforced', 'not-enforced', 'dns-broken', 'inconclusive'];

/** An evidence result as read back: `pending` until the Job has written it. */
export type EvidenceResult =
  | { readonly state: 'pending' }
  | { readonly state: 'written'; readonly status: EvidenceStatus; readonly run: string; readonly capturedAt: string; readonly location: string; readonly manifestSha256: string; readonly files: number; readonly failedSteps: readonly string[] }
  | { readonly state: 'unreadable'; readonly reason: string };

/** A probe result as read back. */
export type ProbeResult =
  | { readonly state: 'pending' }
  | { readonly state: 'written'; readonly verdict: ProbeVerdict; readonly checkedAt: string; readonly checks: readonly string[]; readonly canary: string; readonly rounds: number }
  | { readonly state: 'unreadable'; readonly reason: string };

type Data = Readonly<Record<string, string>> | undefined;

/**
 * Reads an evidence result ConfigMap's `data`. Anything the contract does not allow is reported as
 * unreadable rather than trusted: the ConfigMap is writable by whoever holds the capture Job's Role.
 */
export function readEvidenceResult(data: Data): EvidenceResult {
  if (!data || data.status === undefined) return { state: 'pending' };
  const status = data.status as EvidenceStatus;
  if (!EVIDENCE_STATUSES.includes(status)) return { state: 'unreadable', reason: `unknown status ${JSON.stringify(data.status)}` };
  const files = Number(data.files ?? '0');
  if (!Number.isInteger(files) || files < 0) return { state: 'unreadable', reason: `files is ${JSON.stringify(data.files)}` };
  const sha = data['manifest-sha256'] ?? '';
  if (sha !== '' && !/^[0-9a-f]{64}$/.test(sha)) return { state: 'unreadable', reason: 'manifest-sha256 is not a sha256' };
  const failed = (data['failed-steps'] ?? '').trim();
  return { state: 'written', status, run: data.run ?? '', capturedAt: data['captured-at'] ?? '', location: data.location ?? '', manifestSha256: sha, files, failedSteps: failed === '' ? [] : failed.split(/\s+/) };
}

/** Reads a probe result ConfigMap's `data`. */
export function readProbeResult(data: Data): ProbeResult {
  if (!data || data.verdict === undefined) return { state: 'pending' };
  const verdict = data.verdict as ProbeVerdict;
  if (!PROBE_VERDICTS.includes(verdict)) return { state: 'unreadable', reason: `unknown verdict ${JSON.stringify(data.verdict)}` };
  const rounds = Number(data.rounds ?? '0');
  if (!Number.isInteger(rounds) || rounds < 0) return { state: 'unreadable', reason: `rounds is ${JSON.stringify(data.rounds)}` };
  const checks = (data.checks ?? '').split('\n').filter((l) => l.trim() !== '');
  return { state: 'written', verdict, checkedAt: data['checked-at'] ?? '', checks, canary: data.canary ?? '', rounds };
}
