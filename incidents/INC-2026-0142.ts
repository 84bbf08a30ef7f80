import { defineIncident } from '../src';
import { cryptominer } from '../policies/playbooks';

export default defineIncident({
  id: 'INC-2026-0142',
  title: 'Cryptominer in payments/checkout',
  severity: 'critical',
  status: 'active',
  openedAt: '2026-11-20T03:12:00Z',
  expiresAt: '2026-11-27T03:12:00Z',
  owner: 'sre-oncall',
  ticket: 'SEC-4211',
  summary: 'Falco "Detect crypto miners using the Stratum protocol" fired on checkout-7d9f8c-x2x4k; CPU pinned since 02:58.',
  alerts: ['falco-5b1c6f0e-6a1d-4d3e-9a51-0c9b8f4f2a77'],
  actions: [
    ...cryptominer({
      namespace: 'payments',
      pod: 'checkout-7d9f8c-x2x4k',
      image: 'ghcr.io/acme/checkout@sha256:3f1c2a9e8b7d6c5f4e3d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7',
    }),
  ],
});
