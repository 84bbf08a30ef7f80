/**
 * One chart per active incident: its network policies (each with its enforcement probe), its image blocklist,
 * the VolumeSnapshots of its evidence, and nothing shared with another incident, so two incident pull requests
 * never touch the same file. The capture Jobs, which must run before all this, are in CaptureChart.
 */
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { blocklistConfigMap } from '../admission/blocklist-configmap';
import { isNetworkAction, type Incident } from '../incident/types';
import type { Settings } from '../settings/settings';
import { incidentAnnotations, incidentLabels } from './metadata';
import { addNetworkAction } from './backends';
import { enforcementProbeObjects, EvidenceObjects, volumeSnapshots } from './evidence';

/** Props of {@link IncidentChart}. */
export interface IncidentChartProps {
  /** A validated, active incident. */
  readonly incident: Incident;
  readonly settings: Settings;
}

/** The Kubernetes objects of one incident. */
export class IncidentChart extends Chart {
  constructor(scope: Construct, props: IncidentChartProps) {
    const { incident, settings } = props;
    // Chart labels go on every object's metadata only; selectors are written by the constructs themselves.
    super(scope, incident.slug, { labels: incidentLabels(incident), disableResourceNameHashes: true });
    incident.actions.forEach((action, index) => {
      if (isNetworkAction(action)) {
        addNetworkAction(this, `action-${index}`, { incident, action, index, settings });
        new EvidenceObjects(this, `probe-${index}`, enforcementProbeObjects(incident, action, index, settings));
      } else if (action.kind === 'captureEvidence') {
        new EvidenceObjects(this, `evidence-${index}`, volumeSnapshots(incident, action, index, settings.evidence?.volumeSnapshotClassName));
      }
    });
    const blocklist = blocklistConfigMap({ incident, annotations: incidentAnnotations(incident) });
    if (blocklist) new ApiObject(this, 'blocklist', blocklist);
  }
}
