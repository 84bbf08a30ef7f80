import { blockImages, defineIncident, isolate, quarantineNamespace } from '../src';

export default defineIncident({
  id: 'INC-2026-0144',
  title: 'Poisoned build image in the CI runners',
  severity: 'high',
  status: 'active',
  openedAt: '2026-11-22T01:05:00Z',
  owner: 'platform-security',
  ticket: 'SEC-4220',
  actions: [
    quarantineNamespace({
      namespace: 'ci-runners',
      dns: 'cluster+nodelocal',
      allow: [{ direction: 'egress', namespace: 'registry', selector: { app: 'harbor' }, ports: [{ port: 443 }, { port: 8080, endPort: 8089 }] }],
    }),
    isolate({
      namespace: 'tools',
      selector: { app: 'artifact-cache', tier: 'cache' },
      allow: [{ direction: 'ingress', namespace: 'monitoring', selector: { 'app.kubernetes.io/name': 'prometheus' }, ports: [{ port: 'metrics' }] }],
    }),
    blockImages({
      images: ['registry.acme.internal:5000/ci/builder:2026.11.3', 'docker.io/evil/xmrig'],
      reason: 'builder image tampered with upstream; xmrig is never allowed',
    }),
  ],
});
