/**
 * Many incident files to load at once (a fresh clone's `synth --check`) are transpiled together, their code
 * kept in the project's transpile cache: what the loader reports must not depend on that path.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { ValidationError, type Problem } from '../../src/errors';
import { transpileAllSync } from '../../src/project/direct-transpile';
import { projectCacheFile } from '../../src/project/incident-cache';
import { loadProjectOutline } from '../../src/project/load-project';
import { loadDefaultExport } from '../../src/project/load-module';
import { TranspileCache } from '../../src/project/transpile-cache';
import { incidentSource, makeProject } from '../support/project';
import { tempDir } from '../support/temp-dir';

/** More incident files than a load transpiles one by one. */
const MANY = 40;

function manyIncidents(extra: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < MANY; i++) {
    const id = `INC-T-${String(i).padStart(3, '0')}`;
    files[`${id}.ts`] = incidentSource(id, `isolate({ namespace: 'shop', pod: 'web-${i}' })`);
  }
  return { ...files, ...extra };
}

function problemsOf(load: () => unknown): Problem[] {
  try {
    load();
  } catch (e) {
    if (e instanceof ValidationError) return [...e.problems];
    throw e;
  }
  assert.fail('the load succeeded');
}

describe('loading many incident files at once', () => {
  test('each file transpiled together loads as it does alone; a file esbuild refuses or tsx must handle is left out', () => {
    const dir = tempDir('airlock-transpile-all-');
    const write = (name: string, text: string): { filename: string; source: string } => {
      fs.writeFileSync(path.join(dir, name), text);
      return { filename: path.join(dir, name), source: text };
    };
    const good = write('good.ts', 'const n: number = 41;\nexport default { n: n + 1 };\n');
    const broken = write('broken.ts', 'export default { a,, b };\n');
    const meta = write('meta.ts', 'export default import.meta.url;\n');

    const [goodCode, brokenCode, metaCode] = transpileAllSync([good, broken, meta]);

    assert.equal(brokenCode, undefined);
    assert.equal(metaCode, undefined);
    assert.deepEqual(loadDefaultExport(good.filename, 'incidents/good.ts', { transpiled: goodCode! }), { ok: true, value: { n: 42 } });
  });

  test('a project of many incident files loads every one, with the broken ones reported at their lines', () => {
    const root = makeProject({
      incidents: manyIncidents({
        'INC-T-SYNTAX.ts': "import { defineIncident } from '../src';\nexport default defineIncident({ id: 'INC-T-SYNTAX',, });\n",
        'INC-T-THROWS.ts': "interface A {\n  a: number;\n}\nconst a: A = { a: 1 };\nif (a.a === 1) throw new Error('no incident today');\nexport default a;\n",
      }),
    });

    const problems = problemsOf(() => loadProjectOutline(root));

    assert.deepEqual(
      problems.map((p) => [p.file, p.line, p.message]),
      [
        ['incidents/INC-T-SYNTAX.ts', 2, 'syntax error: Expected identifier but found ","'],
        ['incidents/INC-T-THROWS.ts', 5, 'failed while loading: no incident today'],
      ],
    );
  });

  test('a later process takes the code from the transpile cache, and transpiles again only the file that changed', () => {
    const root = makeProject({ incidents: manyIncidents() });
    assert.equal(loadProjectOutline(root).incidents.length, MANY);
    const cacheFile = projectCacheFile(root, 'transpiled');
    const entries = (): Record<string, [string, string]> => (JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { files: Record<string, [string, string]> }).files;
    const before = entries();
    assert.equal(Object.keys(before).length, MANY);

    // As a new process: none of the incident modules compiled yet.
    for (const file of Object.keys(before)) delete require.cache[file];
    const edited = path.join(root, 'incidents', 'INC-T-007.ts');
    fs.writeFileSync(edited, fs.readFileSync(edited, 'utf8').replace('Test incident INC-T-007', 'Edited'));
    const again = loadProjectOutline(root);

    assert.equal(again.incidents.find((i) => i.incident.id === 'INC-T-007')!.incident.title, 'Edited');
    const after = entries();
    assert.notDeepEqual(after[edited], before[edited]);
    assert.deepEqual({ ...after, [edited]: null }, { ...before, [edited]: null });
  });
});

describe('the transpile cache', () => {
  const transpiled = (filename: string, source: string): { filename: string; source: string; code: string } => ({ filename, source, code: `/* ${source} */` });

  test('gives code only for the bytes it was made from, and only under the same key', () => {
    const root = makeProject({ incidents: {} });
    const file = path.join(root, 'incidents', 'A.ts');
    fs.writeFileSync(file, 'export default 1;\n');
    const cache = TranspileCache.open(root, 'esbuild 1');
    cache.set(transpiled(file, 'export default 1;\n'));
    cache.save();

    assert.equal(TranspileCache.open(root, 'esbuild 1').get(file, 'export default 1;\n')?.code, '/* export default 1;\n */');
    assert.equal(TranspileCache.open(root, 'esbuild 1').get(file, 'export default 2;\n'), undefined);
    assert.equal(TranspileCache.open(root, 'esbuild 2').get(file, 'export default 1;\n'), undefined);
  });

  test('drops the entries of files that are gone when it saves', () => {
    const root = makeProject({ incidents: {} });
    const kept = path.join(root, 'incidents', 'KEPT.ts');
    const gone = path.join(root, 'incidents', 'GONE.ts');
    fs.writeFileSync(kept, 'export default 1;\n');
    const cache = TranspileCache.open(root, 'k');
    cache.set(transpiled(kept, 'export default 1;\n'));
    cache.set(transpiled(gone, 'export default 2;\n'));
    cache.save();

    assert.deepEqual(Object.keys((JSON.parse(fs.readFileSync(projectCacheFile(root, 'transpiled'), 'utf8')) as { files: Record<string, unknown> }).files), [kept]);
  });

  test('a damaged cache file is an empty cache', () => {
    const root = makeProject({ incidents: {} });
    const file = projectCacheFile(root, 'transpiled');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"key": "k", "files": {"/x.ts": [');

    assert.equal(TranspileCache.open(root, 'k').get('/x.ts', ''), undefined);
  });
});
