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
import { IncidentOutline } from '../project/incident-outline';
import type { Guardrails, Settings } from '../settings/settings';
import type * as CaptureChartModule from './capture-chart';
import type * as IncidentChartModule from './incident-chart';
import type * as PlatformChartModule from './platform-chart';
import { generatedHeader, renderFolder, type FolderFiles } from './render';
import type * as RunbookModule from './runbook';

/**
 * Folder of the platform objects under `dist/`; the underscore keeps it apart from any incident id. Defined
 * here, not in platform-chart.ts, so that listing the folders (and `propose`) loads neither the chart nor cdk8s.
 */
export const PLATFORM_DIR = '_platform';

/**
 * Folder of the evidence captures under `dist/[<cluster>/]`: `_evidence/incidents/<id>/` per incident with a
 * capture. `_evidence/` holds a `kustomization.yaml` that lists nothing, so Flux's generated root for the
 * containment takes `_evidence/` as one (empty) folder and never applies a capture; Flux's evidence
 * Kustomization points at `_evidence/incidents/`, which always exists (a README) so that Kustomization never
 * fails on a missing path. Both are written only with `evidence` settings, like the capture Jobs.
 */
export const EVIDENCE_DIR = '_evidence';
/** The folder Flux's evidence Kustomization applies: one sub-folder per incident with a capture. */
export const CAPTURE_DIR = `${EVIDENCE_DIR}/incidents`;

/* eslint-disable @typescript-eslint/no-var-requires */
let app: typeof Cdk8s.App | undefined;
let incidentModules: { IncidentChart: typeof IncidentChartModule.IncidentChart; CaptureChart: typeof CaptureChartModule.CaptureChart; runbook: typeof RunbookModule } | undefined;
let platformChartClass: typeof PlatformChartModule.PlatformChart | undefined;

/** cdk8s's App, required on first use. */
function App(): typeof Cdk8s.App {
  return (app ??= (require('cdk8s') as typeof Cdk8s).App);
}

/** The incident and capture charts and the runbook, required on first use. */
function incidentRenderers(): NonNullable<typeof incidentModules> {
  return (incidentModules ??= {
    IncidentChart: (require('./incident-chart') as typeof IncidentChartModule).IncidentChart,
    CaptureChart: (require('./capture-chart') as typeof CaptureChartModule).CaptureChart,
    runbook: require('./runbook') as typeof RunbookModule,
  });
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
export function targets(incident: Pick<Incident, 'status' | 'clusters'>, target: Pick<SynthTarget, 'cluster'>): boolean {
  return incident.status === 'active' && (target.cluster === undefined || incident.clusters === undefined || incident.clusters.includes(target.cluster));
}

/**
 * One folder of the `dist/` tree, by what it holds and so who owns it: the platform and the two fixed evidence
 * folders are shared (rendered from the settings alone), an incident owns its containment and capture folders.
 */
export type DistFolder<I extends Incident | IncidentOutline = Incident> =
  | { readonly kind: 'platform' | 'evidence-root' | 'capture-root'; readonly path: string; readonly target: SynthTarget; readonly incident?: undefined }
  | { readonly kind: 'incident' | 'capture'; readonly path: string; readonly target: SynthTarget; readonly incident: I };

/** Whether a folder holds other folders (the evidence root and the capture root), whatever it holds now. */
export function holdsFolders(folder: Pick<DistFolder, 'kind'>): boolean {
  return folder.kind === 'evidence-root' || folder.kind === 'capture-root';
}

/** Whether an incident has anything to capture under these settings (without `evidence`, only the runbook does). */
export function hasCapture(incident: Incident | IncidentOutline, settings: Settings): boolean {
  return settings.evidence !== undefined && (incident instanceof IncidentOutline ? incident.captures : incident.actions.some((a) => a.kind === 'captureEvidence'));
}

/** An incident's capture folder for a target, relative to `dist/`. */
function captureFolderPath(target: Pick<SynthTarget, 'cluster'>, incident: Pick<Incident, 'slug'>): string {
  return folderPath(target, `${CAPTURE_DIR}/${incident.slug}`);
}

/** Every folder an incident may own for a target, relative to `dist/` (present or not): what `propose` commits. */
export function incidentFolderPaths(target: Pick<SynthTarget, 'cluster'>, incident: Pick<Incident, 'slug'>): string[] {
  return [folderPath(target, incident.slug), captureFolderPath(target, incident)];
}

/** A shared path `propose` commits when the base lacks it, and the file whose presence on the base says it has it. */
export interface SharedPath {
  /** Relative to `dist/`: the platform's whole folder, or one file of an evidence root. */
  readonly path: string;
  /** Relative to `dist/`: the file probed on the base. */
  readonly marker: string;
}

/**
 * The shared paths of a target that the first incident's commit brings along. The evidence roots go file by
 * file, never as folders, so that a commit never carries another incident's capture folder.
 */
export function sharedPaths(target: SynthTarget): SharedPath[] {
  const file = (f: string): SharedPath => ({ path: folderPath(target, f), marker: folderPath(target, f) });
  return [
    { path: folderPath(target, PLATFORM_DIR), marker: folderPath(target, `${PLATFORM_DIR}/kustomization.yaml`) },
    ...(target.settings.evidence ? [file(`${EVIDENCE_DIR}/kustomization.yaml`), file(`${CAPTURE_DIR}/${CAPTURE_README}`)] : []),
  ];
}

/** Every folder the input synthesizes to, by owner: shared (no incident) or an incident (or its outline). */
export function distFolders<I extends Incident | IncidentOutline = Incident>(input: Omit<SynthInput, 'skip' | 'incidents'> & { readonly incidents: readonly I[] }): DistFolder<I>[] {
  return synthTargets(input.settings).flatMap((target): DistFolder<I>[] => {
    const active = input.incidents.filter((i) => targets(i, target));
    return [
      { kind: 'platform', path: folderPath(target, PLATFORM_DIR), target },
      ...(target.settings.evidence
        ? ([
            { kind: 'evidence-root', path: folderPath(target, EVIDENCE_DIR), target },
            { kind: 'capture-root', path: folderPath(target, CAPTURE_DIR), target },
          ] as const)
        : []),
      ...active.map((incident) => ({ kind: 'incident' as const, path: folderPath(target, incident.slug), target, incident })),
      ...active.filter((i) => hasCapture(i, target.settings)).map((incident) => ({ kind: 'capture' as const, path: captureFolderPath(target, incident), target, incident })),
    ];
  });
}

/** The files of one active incident's folder for a cluster's settings. */
export function synthesizeIncident(incident: Incident, settings: Settings, cluster?: string): FolderFiles {
  const { IncidentChart, runbook } = incidentRenderers();
  const chart = new IncidentChart(new (App())(), { incident, settings });
  return renderFolder(chart, incident.file, { [runbook.RUNBOOK_FILE]: runbook.runbook(incident, settings, cluster) });
}

/** The files of one incident's capture folder (see {@link hasCapture}). */
export function synthesizeCapture(incident: Incident, settings: Settings): FolderFiles {
  const { CaptureChart } = incidentRenderers();
  return renderFolder(new CaptureChart(new (App())(), { incident, settings }), incident.file);
}

/** The Kubernetes objects of one incident (containment, snapshots, captures), as plain JSON (for `airlock plan`). */
export function incidentObjects(incident: Incident, settings: Settings): Array<Record<string, unknown>> {
  const { IncidentChart, CaptureChart } = incidentRenderers();
  return [
    ...(new IncidentChart(new (App())(), { incident, settings }).toJson() as Array<Record<string, unknown>>),
    ...(hasCapture(incident, settings) ? (new CaptureChart(new (App())(), { incident, settings }).toJson() as Array<Record<string, unknown>>) : []),
  ];
}

/** File that keeps `_evidence/incidents/` in git when no incident has a capture, and says what the folder is. */
export const CAPTURE_README = 'README.md';

/** `_evidence/`: a kustomization listing nothing, which hides the captures from Flux's containment Kustomization. */
function evidenceRootFiles(): FolderFiles {
  const text = [
    generatedHeader('policies/settings.ts').trimEnd(),
    '# Lists nothing on purpose: Flux generates the root kustomization of the containment from every folder that',
    '# has a kustomization.yaml and takes this one as empty, so the capture Jobs under incidents/ are applied only',
    '# by the evidence Kustomization, which the containment depends on (Argo CD orders them by hook phase).',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources: []',
    '',
  ].join('\n');
  return new Map([['kustomization.yaml', text]]);
}

/** `_evidence/incidents/`: the README that keeps the folder Flux's evidence Kustomization points at. */
function captureRootFiles(): FolderFiles {
  const text = [
    '<!-- Generated by airlock from policies/settings.ts. Do not edit: run `airlock synth`. -->',
    '# Evidence captures',
    '',
    'One folder per incident with a `captureEvidence` action: the capture Job, its ServiceAccount, its',
    'least-privilege Roles and the ConfigMap it reports to. They run before the containment: in Argo CD as',
    '`PreSync` hooks, in Flux through the evidence Kustomization that the containment Kustomization depends on',
    '(`airlock bootstrap --flux`). This file keeps the folder present when no incident has a capture.',
    '',
  ].join('\n');
  return new Map([[CAPTURE_README, text]]);
}

/** The platform folder's files. */
export function synthesizePlatform(settings: Settings, guardrails: Guardrails): FolderFiles {
  const PlatformChart = platformChart();
  return renderFolder(new PlatformChart(new (App())(), { settings, guardrails }), 'policies/settings.ts');
}

function folderFiles(folder: DistFolder, guardrails: Guardrails): FolderFiles {
  const { settings, cluster } = folder.target;
  switch (folder.kind) {
    case 'platform':
      return synthesizePlatform(settings, guardrails);
    case 'evidence-root':
      return evidenceRootFiles();
    case 'capture-root':
      return captureRootFiles();
    case 'incident':
      return synthesizeIncident(folder.incident, settings, cluster);
    case 'capture':
      return synthesizeCapture(folder.incident, settings);
  }
}

/** The whole tree (less `skip`), deterministic: same input, same bytes. Lifted incidents produce nothing. */
export function synthesize(input: SynthInput): DistTree {
  const tree = new Map<string, FolderFiles>();
  for (const folder of distFolders(input)) {
    if (input.skip?.has(folder.path)) continue;
    tree.set(folder.path, folderFiles(folder, input.guardrails));
  }
  return tree;
}
