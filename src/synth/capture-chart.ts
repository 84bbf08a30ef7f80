/**
 * The capture Jobs of one incident (every `captureEvidence` action, with the `evidence` settings) and what they
 * need, as a chart of their own: they are written to `dist/[<cluster>/]_evidence/incidents/<id>/`, apart from
 * the containment in `dist/[<cluster>/]<id>/`, so that a controller can apply them first. Argo CD reads both
 * folders in one Application and orders them by hook phase (`PreSync`); Flux applies this folder with a
 * Kustomization of its own that the containment's Kustomization depends on (see gitops/flux.ts).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Incident } from '../incident/types';
import type { Settings } from '../settings/settings';
import { captureObjects, EvidenceObjects } from './evidence';
import { incidentLabels } from './metadata';

/** Props of {@link CaptureChart}. */
export interface CaptureChartProps {
  /** A validated, active incident. */
  readonly incident: Incident;
  readonly settings: Settings;
}

/** The capture objects of one incident. */
export class CaptureChart extends Chart {
  constructor(scope: Construct, props: CaptureChartProps) {
    const { incident, settings } = props;
    super(scope, `${incident.slug}-capture`, { labels: incidentLabels(incident), disableResourceNameHashes: true });
    const evidence = settings.evidence;
    if (!evidence) return;
    incident.actions.forEach((action, index) => {
      if (action.kind === 'captureEvidence') new EvidenceObjects(this, `evidence-${index}`, captureObjects(incident, action, index, evidence));
    });
  }
}
