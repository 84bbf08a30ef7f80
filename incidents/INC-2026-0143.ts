import { defineIncident, restrictEgress } from '../src';

export default defineIncident({
  id: 'INC-2026-0143',
  title: 'Unexpected uploads from the reporting workers',
  severity: 'high',
  status: 'active',
  openedAt: '2026-11-21T14:40:00Z',
  expiresAt: '2026-11-24T14:40:00Z',
  owner: 'data-platform',
  ticket: 'SEC-4215',
  summary: 'Egress to an unknown object store from data/reporting; keep the database and the internal object store, cut the rest.',
  actions: [
    restrictEgress({
      namespace: 'data',
      selector: { 'app.kubernetes.io/name': 'reporting' },
      allow: [
        { namespace: 'data', selector: { 'app.kubernetes.io/name': 'postgres' }, ports: [{ port: 5432 }] },
        { cidr: '10.40.0.0/16', except: ['10.40.9.0/24'], ports: [{ port: 443 }] },
      ],
    }),
  ],
});
