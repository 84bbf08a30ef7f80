/**
 * Ten responders break-glass at once from ten clones: every containment lands on the remote's main, none is
 * lost, nobody resolves a conflict (each incident owns its files; a push that loses the race is rebased and
 * retried, never forced).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectCacheFiles } from '../../src/project/incident-cache';
import { airlockAsync, incidentSource, REPO } from '../support/project';
import { git, gitProject } from '../support/git-project';
import { removeAtExit, tempDir } from '../support/temp-dir';

test('10 concurrent break-glass proposals from separate clones all land on main', async () => {
  const { remote } = gitProject({});
  const base = tempDir('airlock-clones-');
  const clones = Array.from({ length: 10 }, (_, k) => {
    const clone = path.join(base, `responder-${k}`);
    git(base, 'clone', '--quiet', remote, clone);
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(clone, 'node_modules'));
    // The clone's caches land in the repository's node_modules (the symlink): they go with the clone.
    for (const file of projectCacheFiles(clone)) removeAtExit(file);
    fs.mkdirSync(path.join(clone, 'incidents'), { recursive: true });
    fs.writeFileSync(path.join(clone, 'incidents', `INC-${k}.ts`), incidentSource(`INC-${k}`, `quarantineNamespace({ namespace: 'team-${k}' })`));
    return clone;
  });
  const results = await Promise.all(clones.map((clone, k) => airlockAsync(clone, ['propose', `INC-${k}`, '--direct', '--reason', `responder ${k}`, '--json'])));
  for (const [k, r] of results.entries()) assert.equal(r.status, 0, `responder ${k}: ${r.stdout} ${r.stderr}`);
  const landed = git(remote, 'log', '--format=%(trailers:key=Airlock-Incident,valueonly)', 'main').split('\n').map((l) => l.trim()).filter(Boolean).sort();
  assert.deepEqual(landed, Array.from({ length: 10 }, (_, k) => `INC-${k}`).sort());
  const tree = git(remote, 'ls-tree', '-r', '--name-only', 'main');
  for (let k = 0; k < 10; k++) {
    assert.match(tree, new RegExp(`^dist/inc-${k}/kustomization\\.yaml$`, 'm'));
    assert.match(tree, new RegExp(`^incidents/INC-${k}\\.ts$`, 'm'));
  }
  assert.equal(git(remote, 'rev-list', '--count', 'main').trim(), '11', 'the seed and one commit per responder: nothing rewritten');
});
