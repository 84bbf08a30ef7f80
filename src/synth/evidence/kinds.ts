/**
 * The kinds the evidence capture and the probe write, for whoever keeps an allow-list of them (Argo CD's
 * AppProject: a kind missing there makes the sync fail). VolumeSnapshots need no settings, so any incident may
 * write them; the Jobs and their RBAC come with the `evidence` settings block.
 */
import type { Settings } from '../../settings/settings';

/** A kind with its API group (`''` for core) and scope, as AppProject allow-lists name them. */
export interface EvidenceKind {
  readonly group: string;
  readonly kind: string;
  readonly scope: 'Namespaced';
}

/** The kinds for one cluster's settings. */
export function evidenceKinds(settings: Pick<Settings, 'evidence'>): EvidenceKind[] {
  const snapshots: EvidenceKind[] = [{ group: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', scope: 'Namespaced' }];
  if (!settings.evidence) return snapshots;
  return [
    { group: '', kind: 'ConfigMap', scope: 'Namespaced' },
    { group: '', kind: 'ServiceAccount', scope: 'Namespaced' },
    { group: 'batch', kind: 'Job', scope: 'Namespaced' },
    { group: 'rbac.authorization.k8s.io', kind: 'Role', scope: 'Namespaced' },
    { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', scope: 'Namespaced' },
    ...snapshots,
  ];
}
