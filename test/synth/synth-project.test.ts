/** The whole-project synth as a library call (src/synth/synth-project.ts): what it returns. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadProject } from '../../src/project/load-project';
import { synthProject } from '../../src/synth/synth-project';
import { makeProject } from '../support/project';

describe('synthProject', () => {
  test('the project it returns holds every incident whole, those it took from the cache included', () => {
    const root = makeProject();
    synthProject(root);
    const { project } = synthProject(root);
    assert.deepEqual(project.incidents, loadProject(root).incidents);
  });
});
