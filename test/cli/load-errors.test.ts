/**
 * An incident file that fails while it runs is the responder's input error: the CLI names the file and the
 * TypeScript line, whichever loader took the file (a one-off esbuild process for a file new to the cache,
 * tsx for the rest) and after dependencies were loaded with source maps off (src/cli/commonjs-fast-path.js).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { airlock, makeProject } from '../support/project';

// The interface is erased from the JavaScript: an unmapped stack would point 4 lines above the throw.
const THROWS = `import { defineIncident, isolate } from '../src';

interface Target {
  namespace: string;
  pod: string;
}
const target: Target = { namespace: 'shop', pod: 'web-1' };
if (target.pod.startsWith('web')) throw new Error(\`no pod \${target.pod}\`);

export default defineIncident({ id: 'INC-1', title: 't', severity: 'high', openedAt: '2026-11-22T03:12:00Z', owner: 'o', actions: [isolate(target)] });
`;

describe('an exception thrown by an incident file', () => {
  for (const args of [['synth'], ['synth', '--no-cache']]) {
    test(`is reported at its TypeScript line, not as a stack trace (airlock ${args.join(' ')})`, () => {
      const root = makeProject({ incidents: { 'INC-1.ts': THROWS } });
      const result = airlock(root, args);
      assert.equal(result.status, 3);
      assert.match(result.stderr, /incidents\/INC-1\.ts:8:\d+ failed while loading: no pod web-1/);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    });
  }
});
