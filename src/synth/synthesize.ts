/**
 * Synthesis of a whole project into the `dist/` tree, in memory. Each incident gets a cdk8s App and Chart of
 * its own: resolving a chart then costs the same whatever the number of incidents, where one App holding
 * thousands of charts re-resolves the whole app per chart (quadratic). Lifted incidents produce nothing.
 *
 * cdk8s and the charts are loaded on first render, not on import: a `synth` whose folders are all up to date
 * (IncidentCache) renders nothing and should not pay for loading them (about a third of its time).
 */
import type * as Cdk8s from 'cdk8s';
import type { Incident } from '../incident/types';
import type { Guardrails, Settings } from '../settings/settings';
import type * as IncidentChartModule from './incident-chart';
import type * as PlatformChartModule from './platform-chart';
import { renderFolder, type FolderFiles } from './render';
import type * as RunbookModule from './runbook';

/**
 * Folder of the platform objects under `dist/`; the underscore keeps it apart from any incident id. Defined
 * here, not in platform-chart.ts, so that listing the folders (and `propose`) loads neither the chart nor cdk8s.
 */
export const PLATFORM_DIR = '_platform';

/* eslint-disable @typescript-eslint/no-var-requires */
let app: typeof Cdk8s.App | undefined;
let incidentModules: { IncidentChart: typeof IncidentChartModule.IncidentChart; runbook: typeof RunbookModule } | undefined;
let platformChartClass: typeof PlatformChartModule.PlatformChart | undefined;

/** cdk8s's App, required on first use. */
function App(): typeof Cdk8s.App {
  return (app ??= (require('cdk8s') as typeof Cdk8s).App);
}

/** The incident chart and runbook, required on first use. */
function incidentRenderers(): { IncidentChart: typeof IncidentChartModule.IncidentChart; runbook: typeof RunbookModule } {
  return (incidentModules ??= { IncidentChart: (require('./incident-chart') as typeof IncidentChartModule).IncidentChart, runbook: require('./runbook') as typeof RunbookModule });
}

/** The platform chart, required on first use. */
function platformChart(): typeof PlatformChartModule.PlatformChart {
  return (platformChartClass ??= (require('./platform-chart') as typeof PlatformChartModule).PlatformChart);
}
/* eslint-enable @typescript-eslint/no-var-requires */

/** The `dist/` tree: folder path (`<slug>`, or `<cluster>/<slug>` with many clusters) → its files. */
export type DistTree = ReadonlyMap<string, FolderFiles>;

/** What {@link synthesize} reads. */
export interface SynthInput {
  readonly settings: Settings;
  readonly guardrails: Guardrails;
  readonly incidents: readonly Incident[];
  /** Folders known to be up to date: not rendered (see IncidentCache). @default none */
  readonly skip?: ReadonlySet<string>;
}

/** A cluster to synthesize for: unnamed when the settings declare no clusters (the flat `dist/` layout). */
export interface SynthTarget {
  readonly cluster?: string;
  readonly settings: Settings;
}

/** The clusters to synthesize for, each with its effective settings. */
export function synthTargets(settings: Settings): SynthTarget[] {
  return settings.clusters.length === 0 ? [{ settings }] : settings.clusters.map((c) => ({ cluster: c.name, settings: c.settings }));
}

/** Folder of `folder` (an incident slug or the platform) for a target, relative to `dist/`. */
export function folderPath(target: Pick<SynthTarget, 'cluster'>, folder: string): string {
  return target.cluster ? `${target.cluster}/${folder}` : folder;
}

/** Whether an incident applies to a target (its `clusters`, or every cluster). */
export function targets(incident: Incident, target: Pick<SynthTarget, 'cluster'>): boolean {
  return incident.status === 'active' && (target.cluster === undefined || incident.clusters === undefined || incident.clusters.includes(target.cluster));
}

/** Every folder the input synthesizes to, by owner: the platform (`undefined`) or an incident. */
export function distFolders(input: Omit<SynthInput, 'skip'>): Array<{ path: string; target: SynthTarget; incident?: Incident }> {
  return synthTargets(input.settings).flatMap((target) => [
    { path: folderPath(target, PLATFORM_DIR), target },
    ...input.incidents.filter((i) => targets(i, target)).map((incident) => ({ path: folderPath(target, incident.slug), target, incident })),
  ]);
}

/** The files of one active incident's folder for a cluster's settings. */
export function synthesizeIncident(incident: Incident, settings: Settings, cluster?: string): FolderFiles {
  const { IncidentChart, runbook } = incidentRenderers();
  const chart = new IncidentChart(new (App())(), { incident, settings });
  return renderFolder(chart, incident.file, { [runbook.RUNBOOK_FILE]: runbook.runbook(incident, settings, cluster) });
}

/** The Kubernetes objects of one incident, as plain JSON (for `airlock plan`). */
export function incidentObjects(incident: Incident, settings: Settings): Array<Record<string, unknown>> {
  const { IncidentChart } = incidentRenderers();
  return new IncidentChart(new (App())(), { incident, settings }).toJson() as Array<Record<string, unknown>>;
}

/** The platform folder's files. */
export function synthesizePlatform(settings: Settings, guardrails: Guardrails): FolderFiles {
  const PlatformChart = platformChart();
  return renderFolder(new PlatformChart(new (App())(), { settings, guardrails }), 'policies/settings.ts');
}

/** The whole tree (less `skip`), deterministic: same input, same bytes. Lifted incidents produce nothing. */
export function synthesize(input: SynthInput): DistTree {
  const tree = new Map<string, FolderFiles>();
  for (const { path, target, incident } of distFolders(input)) {
    if (input.skip?.has(path)) continue;
    tree.set(path, incident ? synthesizeIncident(incident, target.settings, target.cluster) : synthesizePlatform(target.settings, input.guardrails));
  }
  return tree;
}
