/**
 * Where one capture writes, and how its Job reaches it. A destination is chosen by the platform team in the
 * settings and only named by an incident: an incident file may come from an alert, and an alert must never be
 * able to send evidence to a bucket nobody reviewed.
 */
import type { CaptureEvidenceAction, Incident } from '../../incident/types';
import type { EvidenceDestination, ResolvedEvidenceSettings } from '../../settings/settings';
import { EvidenceSettingsError } from './errors';

/** Mount point of the evidence claim, or of the scratch space uploaded to S3. */
export const OUTPUT_ROOT = '/evidence';

/** The destination of action `index`; throws EvidenceSettingsError when it names an undeclared one. */
export function destinationOf(incident: Incident, action: CaptureEvidenceAction, index: number, evidence: ResolvedEvidenceSettings): EvidenceDestination {
  if (action.destination === undefined) return evidence.destination;
  const named = evidence.destinations[action.destination];
  if (named) return named;
  const declared = Object.keys(evidence.destinations);
  throw new EvidenceSettingsError([
    {
      file: incident.file,
      field: `actions[${index}].destination`,
      message: `"${action.destination}" is not a destination declared in settings.evidence.destinations`,
      hint: declared.length > 0 ? `one of: ${declared.join(', ')}; or leave destination out for the default` : 'leave destination out for the default, or declare it in policies/settings.ts',
    },
  ]);
}

/** The Job's environment, volume and mount for a destination. */
export interface DestinationWiring {
  readonly env: ReadonlyArray<Record<string, unknown>>;
  readonly volume: Record<string, unknown>;
  readonly mount: Record<string, unknown>;
}

/**
 * Wiring of a destination into the capture Job. S3 credentials come from the Secret through `secretKeyRef`:
 * the kubelet injects them, so the Job's ServiceAccount never needs to read Secrets.
 */
export function destinationWiring(destination: EvidenceDestination): DestinationWiring {
  const mount = { name: 'evidence', mountPath: OUTPUT_ROOT };
  if (destination.kind === 'pvc') {
    return {
      env: [
        { name: 'AIRLOCK_DESTINATION', value: 'pvc' },
        { name: 'AIRLOCK_PVC_CLAIM', value: destination.claimName },
      ],
      volume: { name: 'evidence', persistentVolumeClaim: { claimName: destination.claimName } },
      mount,
    };
  }
  const secret = (key: string): Record<string, unknown> => ({ name: key, valueFrom: { secretKeyRef: { name: destination.credentialsSecret, key } } });
  return {
    env: [
      { name: 'AIRLOCK_DESTINATION', value: 's3' },
      { name: 'AIRLOCK_S3_ENDPOINT', value: destination.endpoint },
      { name: 'AIRLOCK_S3_BUCKET', value: destination.bucket },
      { name: 'AIRLOCK_S3_PREFIX', value: destination.prefix ?? '' },
      { name: 'AWS_DEFAULT_REGION', value: destination.region ?? 'us-east-1' },
      secret('AWS_ACCESS_KEY_ID'),
      secret('AWS_SECRET_ACCESS_KEY'),
    ],
    volume: { name: 'evidence', emptyDir: {} },
    mount,
  };
}

/** Where a destination is, in words, for the runbook. */
export function describeDestination(destination: EvidenceDestination, namespace: string): string {
  return destination.kind === 'pvc'
    ? `the PersistentVolumeClaim \`${destination.claimName}\` in \`${namespace}\``
    : `\`s3://${destination.bucket}/${destination.prefix ?? ''}\` at \`${destination.endpoint}\``;
}
