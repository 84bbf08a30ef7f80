import { defineIncident, isolate } from '../src';

export default defineIncident({
  id: 'INC-2026-0101',
  title: 'Reverse shell in web/frontend (resolved)',
  severity: 'medium',
  status: 'lifted',
  openedAt: '2026-10-02T09:30:00Z',
  expiresAt: '2026-10-05T09:30:00Z',
  owner: 'sre-oncall',
  ticket: 'SEC-4102',
  actions: [isolate({ namespace: 'web', pod: 'frontend-6c9d7b-q8z2m' })],
});
