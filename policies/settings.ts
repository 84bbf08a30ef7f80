/** Settings: how containment is enforced on our clusters. Defaults are documented on each field. */
import { defineSettings } from '../src';

export default defineSettings({
  backend: 'networkpolicy',
  dns: {
    defaultProfile: 'cluster',
    cluster: { namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, port: 53 },
    nodeLocalAddress: '169.254.20.10',
  },
  admission: { mode: 'validatingadmissionpolicy', apiVersion: 'v1', validationAction: 'Deny' },
  // Evidence capture (captureEvidence) and the post-sync enforcement probe of every isolation. The toolbox image
  // is ours, built from the security team's repository and pinned by digest; `airlock bootstrap` writes the
  // ReadWriteMany claim (several captures may run at once) for us to apply before the first incident.
  evidence: {
    image: 'registry.acme.internal/security/airlock-toolbox@sha256:9c4e1f0a7b3d2c5e8f6a1b4d7c0e3f2a5b8c1d4e7f0a3b6c9d2e5f8a1b4c7d0e',
    namespace: 'airlock-system',
    destination: { kind: 'pvc', claimName: 'airlock-evidence', provision: { storage: '200Gi', storageClassName: 'cephfs' } },
    volumeSnapshotClassName: 'csi-snapshots-retain',
    probe: { timeoutSeconds: 120 },
  },
});
