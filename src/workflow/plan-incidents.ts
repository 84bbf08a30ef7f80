/**
 * Plans for a project's incidents against a cluster snapshot: each incident rendered with the configured
 * backend (what will be applied) and with the plain NetworkPolicy backend (the reference for "only the
 * declared allows remain"), judged by the analysis engine. Shared by `airlock plan`, `propose` (the pull
 * request body) and the alert intake.
 */
import { UsageError } from '../errors';
import type { Manifest } from '../admission/manifest';
import type { Inventory } from '../analysis/model';
import { planIncident, type IncidentPlan } from '../analysis/plan';
import type { Incident } from '../incident/types';
import type { Project } from '../project/load-project';
import { incidentObjects } from '../synth/synthesize';

/** Chooses incidents by id (case-insensitive); all active ones when `ids` is empty. */
export function selectIncidents(project: Project, ids: readonly string[]): Incident[] {
  if (ids.length === 0) return project.incidents.filter((i) => i.status === 'active');
  return ids.map((id) => {
    const incident = project.incidents.find((i) => i.slug === id.toLowerCase());
    if (!incident) throw new UsageError(`no incident "${id}" in incidents/; accepted: ${project.incidents.map((i) => i.id).join(', ') || '(none)'}`);
    if (incident.status !== 'active') throw new UsageError(`incident ${incident.id} is ${incident.status}; only active incidents have a plan`);
    return incident;
  });
}

/** The plan of each incident. */
export function planIncidents(project: Project, incidents: readonly Incident[], inventory: Inventory): IncidentPlan[] {
  const reference = { ...project.settings, backend: 'networkpolicy' as const };
  return incidents.map((incident) =>
    planIncident({
      incident,
      manifests: incidentObjects(incident, project.settings) as unknown as Manifest[],
      reference: incidentObjects(incident, reference) as unknown as Manifest[],
      inventory,
      blastRadiusLimit: project.guardrails.blastRadiusLimit,
      defaultDns: project.settings.dns.defaultProfile,
    }),
  );
}
