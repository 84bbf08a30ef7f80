/**
 * Plans for a project's incidents against a cluster snapshot: each incident rendered with the cluster's
 * backend (what will be applied) and with the plain NetworkPolicy backend (the reference for "only the
 * declared allows remain"), judged by the analysis engine. Shared by `airlock plan`, `propose` (the pull
 * request body) and the alert intake.
 */
import { AirlockError, UsageError } from '../errors';
import type { Manifest } from '../admission/manifest';
import type { Inventory } from '../analysis/model';
import { planIncident, type IncidentPlan } from '../analysis/plan';
import { isNetworkAction, type Incident } from '../incident/types';
import type { Project } from '../project/load-project';
import { ENFORCEMENT_BACKENDS, type EnforcementBackend, type Settings } from '../settings/settings';
import { withBackendObjects } from '../synth/backends/evaluation';
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

/**
 * The settings of the cluster a snapshot comes from: the named cluster, the only one, or the top level when
 * no clusters are declared.
 */
export function clusterSettings(project: Project, cluster: string | undefined): Settings {
  const clusters = project.settings.clusters;
  if (clusters.length === 0) {
    if (cluster !== undefined) throw new UsageError(`--cluster ${cluster}: policies/settings.ts declares no clusters`);
    return project.settings;
  }
  const names = clusters.map((c) => c.name).join(', ');
  if (cluster === undefined) {
    if (clusters.length === 1) return clusters[0].settings;
    throw new UsageError(`several clusters are declared; name the one the inventory comes from with --cluster (accepted: ${names})`);
  }
  const found = clusters.find((c) => c.name === cluster);
  if (!found) throw new UsageError(`--cluster ${cluster} is not declared; accepted: ${names}`);
  return found.settings;
}

function planOne(project: Project, incident: Incident, inventory: Inventory, settings: Settings): IncidentPlan {
  return planIncident({
    incident,
    manifests: incidentObjects(incident, settings) as unknown as Manifest[],
    reference: incidentObjects(incident, { ...settings, backend: 'networkpolicy' }) as unknown as Manifest[],
    inventory,
    blastRadiusLimit: project.guardrails.blastRadiusLimit,
    defaultDns: settings.dns.defaultProfile,
    apply: (inv, manifests, source) => withBackendObjects(inv, manifests as unknown as Array<Record<string, unknown>>, source),
  });
}

/** The plan of each incident, for the cluster whose settings are given (default: the top level). */
export function planIncidents(project: Project, incidents: readonly Incident[], inventory: Inventory, settings: Settings = project.settings): IncidentPlan[] {
  return incidents.map((incident) => planOne(project, incident, inventory, settings));
}

/** How one backend would fare for an incident on the same inventory: its plan, or why it cannot express it. */
export type BackendOutcome =
  | { readonly backend: EnforcementBackend; readonly plan: IncidentPlan; readonly refused?: undefined }
  | { readonly backend: EnforcementBackend; readonly plan?: undefined; readonly refused: string };

/** Every backend's plan for an incident, so the plan can say which one would contain it. */
export function compareBackends(project: Project, incident: Incident, inventory: Inventory, settings: Settings = project.settings): BackendOutcome[] {
  return ENFORCEMENT_BACKENDS.map((backend): BackendOutcome => {
    try {
      return { backend, plan: planOne(project, incident, inventory, { ...settings, backend }) };
    } catch (e) {
      if (!(e instanceof AirlockError)) throw e;
      return { backend, refused: e.message.split('\n').slice(1).join(' ').trim() || e.message };
    }
  });
}

/** One action's verdict under a backend: `effective`, `ineffective (N residual)` or `refused`. */
export function actionVerdict(outcome: BackendOutcome, actionIndex: number): string {
  if (outcome.refused !== undefined) return 'refused';
  const action = outcome.plan.actions.find((a) => a.index === actionIndex);
  if (!action || action.kind !== 'network') return 'n/a';
  return action.effective ? 'effective' : `ineffective (${action.residual.length} residual)`;
}

/** The indexes of the incident's network actions: those the backends are compared on. */
function networkActionIndexes(incident: Incident): number[] {
  return incident.actions.flatMap((a, i) => (isNetworkAction(a) ? [i] : []));
}

/**
 * What to do when the backend in force leaves actions uncontained that others would contain: which actions
 * and which backends, or undefined when there is nothing to switch to. The cluster's network plugin decides
 * whether a backend is enforced at all, which a snapshot cannot show, hence "where … enforces it".
 */
export function backendAdvice(incident: Incident, outcomes: readonly BackendOutcome[], current: EnforcementBackend): string | undefined {
  const inForce = outcomes.find((o) => o.backend === current);
  if (!inForce) return undefined;
  const indexes = networkActionIndexes(incident).filter((i) => actionVerdict(inForce, i) !== 'effective');
  if (indexes.length === 0) return undefined;
  const better = outcomes.filter((o) => o.backend !== current && indexes.every((i) => actionVerdict(o, i) === 'effective')).map((o) => o.backend);
  if (better.length === 0) return undefined;
  const names = better.length === 1 ? better[0]! : `${better.slice(0, -1).join(', ')} or ${better.at(-1)!}`;
  return `with backend ${current}, action${indexes.length === 1 ? '' : 's'} ${indexes.join(', ')} of ${incident.id} stay${indexes.length === 1 ? 's' : ''} uncontained; backend ${names} contains ${indexes.length === 1 ? 'it' : 'them'} (policies/settings.ts \`backend\`, where the cluster's network plugin enforces it)`;
}

/** The comparison as Markdown: one row per network action, one column per backend. */
export function formatBackendsMarkdown(incident: Incident, outcomes: readonly BackendOutcome[], current: EnforcementBackend): string {
  const indexes = networkActionIndexes(incident);
  if (indexes.length === 0) return '';
  const header = `| Action | ${outcomes.map((o) => o.backend).join(' | ')} |`;
  const rows = indexes.map((i) => `| ${i} ${incident.actions[i].kind} | ${outcomes.map((o) => actionVerdict(o, i)).join(' | ')} |`);
  const refusals = outcomes.filter((o) => o.refused !== undefined).map((o) => `- \`${o.backend}\` refused: ${o.refused!.replace(/[\r\n|]/g, ' ')}`);
  const advice = backendAdvice(incident, outcomes, current);
  return [`### Which backend contains ${incident.id}`, '', header, `|---|${outcomes.map(() => '---').join('|')}|`, ...rows, ...(refusals.length ? ['', ...refusals] : []), ...(advice ? ['', `**Hint:** ${advice}.`] : []), ''].join('\n');
}

/** The comparison as terminal text. */
export function formatBackendsText(incident: Incident, outcomes: readonly BackendOutcome[], current: EnforcementBackend): string {
  const indexes = networkActionIndexes(incident);
  if (indexes.length === 0) return '';
  const advice = backendAdvice(incident, outcomes, current);
  return `${incident.id} by backend:\n${indexes.map((i) => `  ${i}  ${outcomes.map((o) => `${o.backend}: ${actionVerdict(o, i)}`).join(' · ')}`).join('\n')}\n${advice ? `  hint: ${advice}\n` : ''}\n`;
}
