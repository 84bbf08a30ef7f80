/**
 * The platform folder (`dist/_platform/`): objects written once and shared by every incident — the admission
 * policy that reads each incident's blocklist ConfigMap. Incidents never edit it; they add their own ConfigMap.
 */
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { kyvernoClusterPolicy } from '../admission/kyverno';
import type { Manifest } from '../admission/manifest';
import { admissionPlatformObjects, paramNamespaceObject } from '../admission/policy';
import { webhookDeploymentObjects } from '../admission/webhook-deployment';
import { ARGOCD_SYNC_WAVE_ANNOTATION, platformSyncWave } from '../gitops/sync-waves';
import type { Guardrails, Settings } from '../settings/settings';
import { PLATFORM_DIR } from './synthesize';

/** Props of {@link PlatformChart}. */
export interface PlatformChartProps {
  readonly settings: Settings;
  readonly guardrails: Guardrails;
}

/** The admission objects of the configured mode. */
export function platformObjects(settings: Settings, guardrails: Guardrails): Manifest[] {
  const { admission } = settings;
  const protectedNamespaces = guardrails.protectedNamespaces;
  switch (admission.mode) {
    case 'validatingadmissionpolicy':
      return admissionPlatformObjects({ apiVersion: admission.apiVersion, validationActions: [admission.validationAction], protectedNamespaces });
    case 'kyverno':
      return [paramNamespaceObject(), kyvernoClusterPolicy({ failureAction: admission.validationAction === 'Deny' ? 'Enforce' : 'Audit', protectedNamespaces })];
    case 'webhook': {
      const webhook = admission.webhook!; // validate-settings requires it in webhook mode
      return webhookDeploymentObjects({
        image: webhook.image,
        protectedNamespaces,
        ...(webhook.failurePolicy ? { failurePolicy: webhook.failurePolicy } : {}),
        ...(webhook.timeoutSeconds ? { timeoutSeconds: webhook.timeoutSeconds } : {}),
        ...(webhook.caBundle ? { tls: { provided: { caBundle: webhook.caBundle } } } : {}),
      });
    }
  }
}

/** The shared platform objects. */
export class PlatformChart extends Chart {
  constructor(scope: Construct, props: PlatformChartProps) {
    super(scope, PLATFORM_DIR, { disableResourceNameHashes: true });
    platformObjects(props.settings, props.guardrails).forEach((object, i) => {
      // Argo CD orders a sync by this annotation only: namespace and admission policy first, webhook last.
      const wave = platformSyncWave(object);
      const annotated = wave === undefined ? object : { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, [ARGOCD_SYNC_WAVE_ANNOTATION]: wave } } };
      new ApiObject(this, `object-${i}`, annotated);
    });
  }
}
