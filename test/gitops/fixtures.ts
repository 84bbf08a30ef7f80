/**
 * Real synthesized repositories for the gitops tests: a temp project (test/support/project) with the given
 * settings and incidents, run through the real `airlock synth`, plus the resolved settings the bootstrap
 * builders read.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CrdValidator, type CrdFile } from '../synth/crd-schemas';
import { resolveSettings, type Settings, type SettingsSpec } from '../../src/settings/settings';
import { airlock, incidentSource, makeProject } from '../support/project';

/** The Argo CD and Flux CRDs of `../shared/crds` (Argo CD v3.5.1, Flux v2.x controllers v1.9). */
export const GITOPS_CRDS: readonly CrdFile[] = [
  { file: 'argo-cd/argoproj.io_applications.yaml', channel: 'standard' },
  { file: 'argo-cd/argoproj.io_applicationsets.yaml', channel: 'standard' },
  { file: 'argo-cd/argoproj.io_appprojects.yaml', channel: 'standard' },
  { file: 'flux/source.toolkit.fluxcd.io_gitrepositories.yaml', channel: 'standard' },
  { file: 'flux/kustomize.toolkit.fluxcd.io_kustomizations.yaml', channel: 'standard' },
  { file: 'flux/notification.toolkit.fluxcd.io_receivers.yaml', channel: 'standard' },
];

let validator: CrdValidator | undefined;
/** One validator for the gitops CRDs per test process (compiling the ApplicationSet schema takes a while). */
export function gitopsCrdValidator(): CrdValidator {
  validator ??= new CrdValidator(GITOPS_CRDS);
  return validator;
}

const DIGEST = `sha256:${'a'.repeat(64)}`;

/** Which incidents are lifted, and which target only some clusters. */
export interface IncidentOptions {
  readonly lifted?: readonly string[];
  readonly clusters?: Readonly<Record<string, readonly string[]>>;
}

/** The extra incident fields {@link IncidentOptions} asks for. */
function incidentExtra(options: IncidentOptions, id: string): string {
  return `${options.lifted?.includes(id) ? "\n  status: 'lifted'," : ''}${options.clusters?.[id] ? `\n  clusters: ${JSON.stringify(options.clusters[id])},` : ''}`;
}

/** Incident sources by id: two active incidents with a network action and an image blocklist each. */
export function incidents(options: IncidentOptions = {}): Record<string, string> {
  const extra = (id: string): string => incidentExtra(options, id);
  return {
    'INC-1.ts': incidentSource('INC-1', `isolate({ namespace: 'payments', selector: { app: 'checkout' } }), blockImages({ images: ['ghcr.io/acme/checkout@${DIGEST}'], reason: 'miner' })`, extra('INC-1')),
    'INC-2.ts': incidentSource('INC-2', `quarantineNamespace({ namespace: 'ci-runners' }), blockImages({ images: ['ghcr.io/acme/runner@${DIGEST}'], reason: 'poisoned' })`, extra('INC-2')),
  };
}

/** Evidence settings (forensic image pinned by digest, a claim for the files): capture Jobs are synthesized. */
export const EVIDENCE = { evidence: { image: `registry.acme.internal/security/toolbox@${DIGEST}`, destination: { kind: 'pvc', claimName: 'airlock-evidence' } } } as const;

/** The two incidents of {@link incidents}, and a third that captures evidence before isolating a pod. */
export function incidentsWithCapture(options: IncidentOptions = {}): Record<string, string> {
  return {
    ...incidents(options),
    'INC-3.ts': incidentSource('INC-3', `captureEvidence({ namespace: 'payments', pod: 'checkout-0', connections: true }), isolate({ namespace: 'payments', pod: 'checkout-0' })`, incidentExtra(options, 'INC-3')),
  };
}

/** `policies/settings.ts` declaring `spec`. */
export function settingsSource(spec: SettingsSpec): string {
  return `import { defineSettings } from '../src';\nexport default defineSettings(${JSON.stringify(spec, null, 2)});\n`;
}

/** A project root with `dist/` synthesized by the real CLI, and its resolved settings. */
export function synthesizedRepo(spec: SettingsSpec = {}, incidentFiles: Record<string, string> = incidents()): { root: string; settings: Settings } {
  const root = makeProject({ policies: { 'settings.ts': settingsSource(spec) }, incidents: incidentFiles });
  resynth(root);
  return { root, settings: resolveSettings(spec) };
}

/** Runs `airlock synth` again (after incidents changed) and fails the test on error. */
export function resynth(root: string): void {
  const result = airlock(root, ['synth']);
  assert.equal(result.status, 0, `airlock synth failed:\n${result.stdout}${result.stderr}`);
}

/** Replaces the project's incidents with `files` (removing the others). */
export function writeIncidents(root: string, files: Record<string, string>): void {
  const dir = path.join(root, 'incidents');
  for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
}

/** Settings used to exercise a webhook-mode platform (image pinned by digest, cert-manager for TLS). */
export const WEBHOOK_ADMISSION = { mode: 'webhook', webhook: { image: `ghcr.io/acme/airlock@${DIGEST}` } } as const;
