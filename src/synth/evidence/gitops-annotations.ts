/**
 * How the evidence objects are ordered and kept by the GitOps controllers, through annotations on each object
 * (the only place either controller reads them from a plain folder of manifests).
 *
 * Argo CD runs a sync in phases — `PreSync` hooks, the manifests, `PostSync` hooks — and within a phase by
 * `sync-wave`. The capture Job is a `PreSync` hook, so it runs before the containment is applied; the probe is
 * a `PostSync` hook, so it runs once everything is applied and healthy. What a hook Job needs (ServiceAccount,
 * Roles, RoleBindings, the script ConfigMap) must exist before it and is therefore a hook of the same phase in
 * an earlier wave; those are deleted when the sync succeeds (`HookSucceeded`), so the grants live only while a
 * sync runs, and kept when it fails, for the retry. The Jobs keep their result (`BeforeHookCreation` only:
 * replaced at the next sync). Hooks are not pruned when an incident is lifted; a leftover capture Job or
 * result ConfigMap of a lifted incident is history, and grants never outlive a successful sync.
 *
 * Flux has no hooks and ignores these annotations; the order comes from the folders instead. The capture
 * objects are written to `_evidence/incidents/<id>/`, which Flux applies with an evidence Kustomization that
 * waits for the Jobs, and the containment's Kustomization depends on it at the same revision (gitops/flux.ts):
 * the capture runs first, as in Argo CD. What a hook Job needs stays until the incident is lifted (then
 * pruned), since nothing deletes it on success. The probe sits with the containment: it retries until the
 * policy holds or its timeout passes, so it does not matter that the policy may land after it starts. With
 * `wait: true` on the Kustomization, a failed probe Job makes the Kustomization not Ready. Jobs are immutable:
 * `kustomize.toolkit.fluxcd.io/force: enabled` lets Flux replace one whose spec changed.
 */

/** Argo CD: the phase a hook runs in. */
export const ARGOCD_HOOK = 'argocd.argoproj.io/hook';
/** Argo CD: when a hook object is deleted. */
export const ARGOCD_HOOK_DELETE_POLICY = 'argocd.argoproj.io/hook-delete-policy';
/** Argo CD: order within a phase (lower first). */
export const ARGOCD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** Argo CD: per-object sync options. */
export const ARGOCD_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Flux kustomize-controller: `disabled` keeps the object when it leaves the source. */
export const FLUX_PRUNE = 'kustomize.toolkit.fluxcd.io/prune';
/** Flux kustomize-controller: `enabled` recreates an object whose immutable fields changed. */
export const FLUX_FORCE = 'kustomize.toolkit.fluxcd.io/force';

/** The Argo CD hook phases Airlock uses. */
export type HookPhase = 'PreSync' | 'PostSync';

/** A hook Job: runs in wave 0 of its phase and keeps its pod, status and logs until the next sync. */
export function hookJobAnnotations(phase: HookPhase): Record<string, string> {
  return { [ARGOCD_HOOK]: phase, [ARGOCD_HOOK_DELETE_POLICY]: 'BeforeHookCreation', [ARGOCD_SYNC_WAVE]: '0', [FLUX_FORCE]: 'enabled' };
}

/** What a hook Job needs (ServiceAccount, RBAC, scripts): created before it, deleted once the sync succeeded. */
export function hookSupportAnnotations(phase: HookPhase): Record<string, string> {
  return { [ARGOCD_HOOK]: phase, [ARGOCD_HOOK_DELETE_POLICY]: 'BeforeHookCreation,HookSucceeded', [ARGOCD_SYNC_WAVE]: '-1' };
}

/** A result ConfigMap a `PreSync` hook writes to: created (empty) before the Job, kept after it. */
export function hookResultAnnotations(phase: HookPhase): Record<string, string> {
  return { [ARGOCD_HOOK]: phase, [ARGOCD_HOOK_DELETE_POLICY]: 'BeforeHookCreation', [ARGOCD_SYNC_WAVE]: '-1' };
}

/**
 * Evidence that must outlive the incident's manifests: lifting removes the files, and neither controller may
 * delete what they describe (Argo CD neither prunes it nor deletes it with the Application; Flux does not
 * prune it). Deleting it is a deliberate act once the investigation is closed.
 */
export const RETAIN_ANNOTATIONS: Readonly<Record<string, string>> = { [ARGOCD_SYNC_OPTIONS]: 'Prune=false,Delete=false', [FLUX_PRUNE]: 'disabled' };
