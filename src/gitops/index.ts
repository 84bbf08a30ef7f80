/**
 * GitOps delivery: the Argo CD and Flux objects that apply `dist/` (`airlock bootstrap`), the sync-wave table the
 * synth writes into `_platform/`, and reconcile-now notifications (`airlock sync-notify`, `propose --direct`).
 */
export * from './types';
export { GitopsConfigError } from './errors';
export { parseRepoUrl, fluxRepoUrl, repoWebUrl, repoCloneUrl, repoFullName, normalizeSource, normalizeRepoPath, deliveryTargets, type RepoUrlParts } from './source';
export { airlockKinds, clusterKinds, injectsCaBundle, type ResourceKind } from './kinds';
export { ARGOCD_SYNC_WAVE_ANNOTATION, PLATFORM_SYNC_WAVES, platformSyncWave, groupKindOf } from './sync-waves';
export { argoAppProject, argoApplication, argoApplicationSet, argoCdObjects, ARGOCD_DIRECTORY_EXCLUDE, ARGOCD_RESOURCES_FINALIZER, ARGOCD_SYNC_OPTIONS, APPLICATIONSET_CLUSTER_PARAM, type ArgoCdOptions } from './argocd';
export { fluxGitRepository, fluxKustomization, fluxReceiver, fluxReceiverPath, fluxBundles, fluxKubeconfigSecret, FLUX_INTERVALS, type FluxOptions, type FluxReceiverType, type FluxTopology, type FluxBundle } from './flux';
export { argoCdBootstrap, fluxBootstrap, bootstrapFileName, objectYaml, renderBootstrapFile, renderBootstrapStream, PREREQUISITES_DIR } from './bootstrap';
export { evidenceStorageObjects, type EvidenceStorageSettings } from './evidence-storage';
export { githubPushEvent, githubPushHeaders, hmacSha256, hmacSha1, type PushChange } from './push-event';
export { notifyControllers, notifyRequests, argoCdWebhookUrl, redactHookUrl, type NotifyChange, type NotifyOptions, type NotifyRequest, type NotifyResult } from './notify';
export { validateNotifySettings, type GitopsNotifySettings, type ArgoCdNotifySettings, type FluxNotifySettings } from './notify-settings';
