import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblems } from '../../src/errors';

test('problems are rendered with file, field and what is accepted', () => {
  const out = formatProblems([{ file: 'incidents/A.ts', field: 'severity', message: 'is "hgh"', hint: 'low, medium, high, critical' }]);
  assert.match(out, /incidents\/A\.ts severity: is "hgh"\n    accepted: low, medium, high, critical/);
});
