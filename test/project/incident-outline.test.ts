/**
 * An incident in outline (src/project/incident-outline.ts): what listing its `dist/` folders reads, with the
 * incident itself parsed from the cache's JSON text only when something reads it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { captureEvidence, isolate } from '../../src/incident/declare';
import { IncidentOutline } from '../../src/project/incident-outline';
import { incident } from '../synth/fixtures';

describe('incident outline', () => {
  test('an outline of JSON text answers its fields without parsing the text, and parses it when the incident is read', () => {
    const outline = IncidentOutline.lazy({ file: 'incidents/INC-7.ts', slug: 'inc-7', status: 'active', clusters: undefined, captures: false }, 'not JSON');
    assert.deepEqual([outline.file, outline.slug, outline.status, outline.clusters, outline.captures], ['incidents/INC-7.ts', 'inc-7', 'active', undefined, false]);
    assert.throws(() => outline.incident, SyntaxError);
  });

  test('an outline of JSON text reads back the incident it was made from', () => {
    const whole = incident([isolate({ namespace: 'payments', pod: 'checkout-1' })]);
    const outline = IncidentOutline.lazy(IncidentOutline.of(whole), JSON.stringify(whole));
    assert.deepEqual(outline.incident, whole);
    assert.equal(outline.json(), JSON.stringify(whole));
  });

  test('an outline tells whether its incident captures evidence', () => {
    const capture = captureEvidence({ namespace: 'payments', pod: 'checkout-1' });
    assert.equal(IncidentOutline.of(incident([capture, isolate({ namespace: 'payments', pod: 'checkout-1' })])).captures, true);
    assert.equal(IncidentOutline.of(incident([isolate({ namespace: 'payments', pod: 'checkout-1' })])).captures, false);
  });
});
