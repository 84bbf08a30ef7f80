/**
 * The declaration API for `incidents/<ID>.ts` and `policies/*.ts`: what a responder or a platform team
 * imports. Kept small so loading thousands of incident files stays fast.
 */
export { defineIncident, isolate, quarantineNamespace, restrictEgress, blockImages, captureEvidence, overrideGuardrails } from './incident/declare';
export type { IsolatePodOptions, IsolateWorkloadOptions, QuarantineNamespaceOptions, RestrictEgressOptions, BlockImagesOptions, CaptureEvidenceOptions } from './incident/declare';
export { definePlaybook, type Playbook, type PlaybookSpec, type PlaybookTarget, type PlaybookRequirement } from './incident/playbook';
export { defineSettings, defineGuardrails, DEFAULT_PROTECTED_NAMESPACES } from './settings/settings';
export type { SettingsSpec, GuardrailsSpec, DnsSettings, DnsPods, AdmissionSettings, EnforcementBackend, AdmissionMode, EvidenceSettings, EvidenceDestination, ProbeSettings, DebugProfile } from './settings/settings';
export type * from './incident/types';
