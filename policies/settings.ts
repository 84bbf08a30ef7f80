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
});
