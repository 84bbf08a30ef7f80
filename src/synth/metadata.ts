/**
 * Labels and annotations on everything Airlock writes (DESIGN.md, Conventions): the labels let a platform team
 * find and prune Airlock's objects; the annotations let whoever runs `kubectl describe` at 3 a.m. see which
 * incident put a policy there, how bad it is and when it should go.
 */
import type { Incident } from '../incident/types';

export { MANAGED_BY_LABEL, MANAGED_BY_VALUE, INCIDENT_LABEL } from '../admission/manifest';
import { INCIDENT_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../admission/manifest';

/** Label naming the action (by kind) that an object implements. */
export const ACTION_LABEL = 'airlock.dev/action';

/** Annotation keys, under Airlock's own prefix. */
export const ANNOTATIONS = {
  title: 'airlock.dev/title',
  severity: 'airlock.dev/severity',
  owner: 'airlock.dev/owner',
  ticket: 'airlock.dev/ticket',
  openedAt: 'airlock.dev/opened-at',
  expiresAt: 'airlock.dev/expires-at',
  alerts: 'airlock.dev/alerts',
  source: 'airlock.dev/source',
  overrideReason: 'airlock.dev/override-reason',
  dnsProfile: 'airlock.dev/dns-profile',
} as const;

/** Labels every object of an incident carries. */
export function incidentLabels(incident: Pick<Incident, 'id'>): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [INCIDENT_LABEL]: incident.id };
}

/** Annotations every object of an incident carries; only what the incident declared (no synthesis timestamps). */
export function incidentAnnotations(incident: Incident): Record<string, string> {
  const a: Record<string, string> = {
    [ANNOTATIONS.title]: incident.title,
    [ANNOTATIONS.severity]: incident.severity,
    [ANNOTATIONS.owner]: incident.owner,
    [ANNOTATIONS.openedAt]: incident.openedAt,
    [ANNOTATIONS.source]: incident.file,
  };
  if (incident.ticket) a[ANNOTATIONS.ticket] = incident.ticket;
  if (incident.expiresAt) a[ANNOTATIONS.expiresAt] = incident.expiresAt;
  if (incident.alerts?.length) a[ANNOTATIONS.alerts] = incident.alerts.join(',');
  return a;
}
