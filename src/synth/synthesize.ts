/**
 * Synthesis of a whole project into the `dist/` tree, in memory. Each incident gets a cdk8s App and Chart of
 * its own: resolving a chart then costs the same whatever the number of incidents, where one App holding
 * thousands of charts re-resolves the whole app per chart (quadratic). Lifted incidents produce nothing.
 */
import { App } from 'cdk8s';
import type { Incident } from '../incident/types';
import type { Guardrails, Settings } from '../settings/settings';
import { IncidentChart } from './incident-chart';
import { PLATFORM_DIR, PlatformChart } from './platform-chart';
import { renderFolder, type FolderFiles } from './render';
import { RUNBOOK_FILE, runbook } from './runbook';

/** The `dist/` tree: folder name → its files. */
export type DistTree = ReadonlyMap<string, FolderFiles>;

/** What {@link synthesize} reads. */
export interface SynthInput {
  readonly settings: Settings;
  readonly guardrails: Guardrails;
  readonly incidents: readonly Incident[];
}

/** The files of one active incident's folder (`dist/<slug>/`). */
export function synthesizeIncident(incident: Incident, settings: Settings): FolderFiles {
  const chart = new IncidentChart(new App(), { incident, settings });
  return renderFolder(chart, incident.file, { [RUNBOOK_FILE]: runbook(incident, settings) });
}

/** The Kubernetes objects of one incident, as plain JSON (for `airlock plan`). */
export function incidentObjects(incident: Incident, settings: Settings): Array<Record<string, unknown>> {
  return new IncidentChart(new App(), { incident, settings }).toJson() as Array<Record<string, unknown>>;
}

/** The platform folder's files. */
export function synthesizePlatform(settings: Settings, guardrails: Guardrails): FolderFiles {
  return renderFolder(new PlatformChart(new App(), { settings, guardrails }), 'policies/settings.ts');
}

/** The whole tree, deterministic: same input, same bytes. */
export function synthesize(input: SynthInput): DistTree {
  const tree = new Map<string, FolderFiles>();
  tree.set(PLATFORM_DIR, synthesizePlatform(input.settings, input.guardrails));
  for (const incident of input.incidents) {
    if (incident.status === 'active') tree.set(incident.slug, synthesizeIncident(incident, input.settings));
  }
  return tree;
}
