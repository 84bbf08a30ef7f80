/**
 * The intake's Prometheus metrics, on the same small exposition code as the admission webhook
 * (src/webhook/metrics.ts). Every alert counter is split by `source` (falco, alertmanager) and exists at 0 from
 * the first scrape, so `rate()` and "no alerts for an hour" alerts work before anything happened.
 */
import { Counter, Gauge, Histogram } from '../webhook/metrics';
import { ALERT_RECEIVERS } from './alert';

const bySource = ALERT_RECEIVERS.map((r) => [r]);

/** Every metric of one intake server (one instance per server, so tests never share counts). */
export class IntakeMetrics {
  /** Alerts read from authenticated, well-formed requests. */
  readonly received = new Counter('airlock_intake_alerts_received_total', 'Alerts received in authenticated, well-formed requests, by source.', ['source'], bySource);
  /** Alerts a rule matched. */
  readonly matched = new Counter('airlock_intake_alerts_matched_total', 'Alerts matched by a rule of policies/alert-rules.ts, by source.', ['source'], bySource);
  /** Alerts no rule matched (answered 202 with the reasons). */
  readonly unmatched = new Counter('airlock_intake_alerts_unmatched_total', 'Alerts no rule matched, by source.', ['source'], bySource);
  /** Alertmanager `resolved` alerts, which never contain anything. */
  readonly resolved = new Counter('airlock_intake_alerts_resolved_total', 'Resolved (not firing) alerts ignored, by source.', ['source'], bySource);
  /** Matched alerts folded into an incident already open (or pending) for the same target. */
  readonly deduplicated = new Counter('airlock_intake_alerts_deduplicated_total', 'Matched alerts added to an existing incident for the same target (or already recorded), by source.', ['source'], bySource);
  /** Matched alerts refused: an invalid name, a protected namespace (422), or a full queue (429). */
  readonly rejected = new Counter('airlock_intake_alerts_rejected_total', 'Matched alerts refused, by source and reason.', ['source', 'reason'], ALERT_RECEIVERS.flatMap((r) => [[r, 'invalid'], [r, 'protected-namespace'], [r, 'queue-full']]));
  /** Alerts whose incident was committed and pushed. */
  readonly proposed = new Counter('airlock_intake_alerts_proposed_total', 'Accepted alerts whose incident was committed and pushed, by source.', ['source'], bySource);
  /** Alerts whose incident could not be written or proposed. */
  readonly failed = new Counter('airlock_intake_alerts_failed_total', 'Accepted alerts whose incident could not be written or proposed, by source.', ['source'], bySource);
  /** Requests answered without reading alerts, by status: 400 malformed, 401 unauthenticated, 413, 408… */
  readonly refused = new Counter('airlock_intake_requests_refused_total', 'Requests refused before any alert was read, by HTTP status code.', ['code'], [['400'], ['401'], ['404'], ['405'], ['408'], ['413'], ['429'], ['500'], ['503']]);
  /** Incident proposals, by result. */
  readonly proposals = new Counter('airlock_intake_proposals_total', 'Incident proposals (create or update, commit and push), by result.', ['result'], [['pushed'], ['unchanged'], ['failed']]);
  /** Failed proposals proposed again while running (after a backoff). */
  readonly retries = new Counter('airlock_intake_proposal_retries_total', 'Failed incident proposals retried while running, after a backoff.');
  /** Failed proposals given up on after the last retry (their alerts stay journalled for the next start). */
  readonly retriesExhausted = new Counter('airlock_intake_proposal_retries_exhausted_total', 'Failed incident proposals no longer retried while running; their alerts stay journalled for the next start.');
  /** Failed proposals waiting for their retry. */
  readonly retryWaiting = new Gauge('airlock_intake_proposal_retries_waiting', 'Failed incident proposals waiting for their retry.');
  /** Time from the first alert of a proposal being accepted to its push. */
  readonly alertToPush = new Histogram('airlock_intake_alert_to_push_seconds', 'Time from accepting an alert to pushing the commit that records it.', [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120]);
  /** Proposals waiting or running. */
  readonly queueDepth = new Gauge('airlock_intake_queue_depth', 'Incident proposals queued or running.');
  readonly ready = new Gauge('airlock_intake_ready', '1 while alerts are accepted, 0 while starting or shutting down.');

  /** The exposition text for a scrape. */
  render(): string {
    return `${[this.received, this.matched, this.unmatched, this.resolved, this.deduplicated, this.rejected, this.proposed, this.failed, this.refused, this.proposals, this.retries, this.retriesExhausted, this.retryWaiting, this.alertToPush, this.queueDepth, this.ready].map((m) => m.render()).join('\n')}\n`;
  }
}
