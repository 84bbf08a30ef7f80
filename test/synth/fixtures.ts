/** What the synth tests share: a validated incident with every annotation set, and the text a reviewer reads. */
import assert from 'node:assert/strict';
import { validateIncident } from '../../src/incident/validate-incident';
import type { Action, Incident } from '../../src/incident/types';
import { DEFAULT_GUARDRAILS } from '../../src/settings/settings';

/** A validated incident around `actions`, with title, severity, expiry and ticket set (they show in the goldens). */
export function incident(actions: Action[], id = 'INC-7'): Incident {
  const result = validateIncident(
    { id, title: 'Golden', severity: 'critical', openedAt: '2026-11-22T03:12:00Z', expiresAt: '2026-11-23T03:12:00Z', owner: 'sre', ticket: 'SEC-1', actions },
    { file: `incidents/${id}.ts`, guardrails: DEFAULT_GUARDRAILS },
  );
  assert.ok(result.incident, JSON.stringify(result.problems));
  return result.incident;
}

/** A folder's YAML objects joined in file order, each under its file name: what a reviewer reads in a pull request. */
export function manifestsText(files: ReadonlyMap<string, string>): string {
  return [...files].filter(([n]) => n.endsWith('.yaml') && n !== 'kustomization.yaml').map(([n, c]) => `## ${n}\n${c}`).join('');
}
