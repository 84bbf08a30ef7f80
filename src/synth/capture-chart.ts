/**
 * The capture Jobs of one incident (every `captureEvidence` action, with the `evidence` settings) and what they
 * need, as a chart of their own: they are written to `dist/[<cluster>/]_evidence/incidents/<id>/`, apart from
 * the containment in `dist/[<cluster>/]<id>/`, so that a controller can apply them first. Argo CD reads both
 * folders in one Application and orders them by hook phase (`PreSync`); Flux applies this folder with a
 * Kustomization of its own that the containment's Kustomization depends on (see gitops/flux.ts).
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { captureObjects, EvidenceObjects } from './evidence';
import type { IncidentChartProps } from './incident-chart';
import { incidentLabels } from './metadata';

/** Props of {@link CaptureChart}: the same incident and settings as its IncidentChart. */
export type CaptureChartProps = IncidentChartProps;

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
