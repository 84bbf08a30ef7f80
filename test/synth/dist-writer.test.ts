/**
 * The `dist/` writer with nested folders: `_evidence/` and `_evidence/incidents/` are folders of their own
 * (shared, fixed files) that hold one capture folder per incident. Writing, lifting and repairing one of them
 * must never carry another away.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { captureEvidence, isolate } from '../../src/incident/declare';
import type { Incident } from '../../src/incident/types';
import { DEFAULT_GUARDRAILS, resolveSettings } from '../../src/settings/settings';
import { diffDist, isClean, writeDist } from '../../src/synth/dist-writer';
import { CAPTURE_DIR, distFolders, EVIDENCE_DIR, PLATFORM_DIR, synthesize } from '../../src/synth/synthesize';
import { incident } from './fixtures';
import { tempDir } from '../support/temp-dir';

const evidence = resolveSettings({ evidence: { image: `registry.acme.internal/toolbox@sha256:${'e'.repeat(64)}`, destination: { kind: 'pvc', claimName: 'airlock-evidence' } } });
const withCapture = (id: string): Incident => incident([captureEvidence({ namespace: 'payments', pod: 'checkout-0' }), isolate({ namespace: 'payments', pod: 'checkout-0' })], id);
const INC_1 = withCapture('INC-1');
const INC_2 = withCapture('INC-2');
const INC_3 = incident([isolate({ namespace: 'payments', pod: 'web-0' })], 'INC-3');

function tree(incidents: Incident[]): ReturnType<typeof synthesize> {
  return synthesize({ settings: evidence, guardrails: DEFAULT_GUARDRAILS, incidents });
}

function freshDist(incidents: Incident[]): string {
  const dist = path.join(tempDir('airlock-dist-'), 'dist');
  writeDist(dist, tree(incidents));
  return dist;
}

const inode = (p: string): bigint => fs.statSync(p, { bigint: true }).ino;

describe('dist folders with evidence settings', () => {
  test('the evidence root and the capture root are listed with the settings, a capture folder only for an incident that captures', () => {
    const paths = distFolders({ settings: evidence, guardrails: DEFAULT_GUARDRAILS, incidents: [INC_1, INC_3] }).map((f) => `${f.kind}:${f.path}`);
    assert.deepEqual(paths, [`platform:${PLATFORM_DIR}`, `evidence-root:${EVIDENCE_DIR}`, `capture-root:${CAPTURE_DIR}`, 'incident:inc-1', 'incident:inc-3', `capture:${CAPTURE_DIR}/inc-1`]);
  });

  test('without evidence settings there is no evidence folder at all', () => {
    const paths = distFolders({ settings: resolveSettings(), guardrails: DEFAULT_GUARDRAILS, incidents: [INC_1] }).map((f) => f.path);
    assert.deepEqual(paths, [PLATFORM_DIR, 'inc-1']);
  });
});

describe('writing nested folders', () => {
  test('a fresh dist/ compares clean with the tree it was written from', () => {
    const dist = freshDist([INC_1, INC_2]);
    assert.ok(isClean(diffDist(dist, tree([INC_1, INC_2]))));
    assert.ok(fs.existsSync(path.join(dist, CAPTURE_DIR, 'inc-2', 'kustomization.yaml')));
  });

  test('lifting one incident removes its capture folder and leaves the other capture folder untouched', () => {
    const dist = freshDist([INC_1, INC_2]);
    const kept = inode(path.join(dist, CAPTURE_DIR, 'inc-2'));
    const after = tree([INC_2]);
    const diff = diffDist(dist, after);
    assert.deepEqual(diff.folders, [`${CAPTURE_DIR}/inc-1`, 'inc-1']);
    writeDist(dist, after, diff);
    assert.equal(fs.existsSync(path.join(dist, CAPTURE_DIR, 'inc-1')), false);
    assert.equal(fs.existsSync(path.join(dist, 'inc-1')), false);
    assert.equal(inode(path.join(dist, CAPTURE_DIR, 'inc-2')), kept);
    assert.ok(isClean(diffDist(dist, after)));
  });

  test('a hand edit of _evidence/kustomization.yaml and a stray file beside the capture folders are undone; the capture folders stay where they are', () => {
    const dist = freshDist([INC_1, INC_2]);
    const kept = [inode(path.join(dist, CAPTURE_DIR, 'inc-1')), inode(path.join(dist, CAPTURE_DIR, 'inc-2'))];
    fs.appendFileSync(path.join(dist, EVIDENCE_DIR, 'kustomization.yaml'), '  - ../inc-1\n');
    fs.writeFileSync(path.join(dist, CAPTURE_DIR, 'stray.yaml'), 'kind: ConfigMap\n');
    const diff = diffDist(dist, tree([INC_1, INC_2]));
    assert.deepEqual(diff.changed, [`dist/${EVIDENCE_DIR}/kustomization.yaml`]);
    assert.deepEqual(diff.removed, [`dist/${CAPTURE_DIR}/stray.yaml`]);
    writeDist(dist, tree([INC_1, INC_2]), diff);
    assert.ok(isClean(diffDist(dist, tree([INC_1, INC_2]))));
    assert.deepEqual([inode(path.join(dist, CAPTURE_DIR, 'inc-1')), inode(path.join(dist, CAPTURE_DIR, 'inc-2'))], kept);
  });

  test('a folder nobody synthesizes, inside the capture root, is removed', () => {
    const dist = freshDist([INC_1]);
    fs.mkdirSync(path.join(dist, CAPTURE_DIR, 'inc-9'));
    fs.writeFileSync(path.join(dist, CAPTURE_DIR, 'inc-9', 'job.yaml'), 'kind: Job\n');
    const diff = diffDist(dist, tree([INC_1]));
    assert.deepEqual(diff.removed, [`dist/${CAPTURE_DIR}/inc-9/job.yaml`]);
    writeDist(dist, tree([INC_1]), diff);
    assert.equal(fs.existsSync(path.join(dist, CAPTURE_DIR, 'inc-9')), false);
    assert.ok(isClean(diffDist(dist, tree([INC_1]))));
  });

  test('a lifted incident\'s capture folder is removed even when the cache vouches for the folders around it', () => {
    const dist = freshDist([INC_1, INC_2]);
    const trusted = new Set([EVIDENCE_DIR, CAPTURE_DIR, PLATFORM_DIR, 'inc-2', `${CAPTURE_DIR}/inc-2`]);
    const rest = new Map([...tree([INC_2])].filter(([folder]) => !trusted.has(folder)));
    const diff = diffDist(dist, rest, trusted);
    assert.deepEqual(diff.folders, [`${CAPTURE_DIR}/inc-1`, 'inc-1']);
    writeDist(dist, rest, diff);
    assert.deepEqual(fs.readdirSync(path.join(dist, CAPTURE_DIR)).sort(), ['README.md', 'inc-2']);
  });

  test('a capture folder the cache vouches for is neither read nor removed', () => {
    const dist = freshDist([INC_1, INC_2]);
    const rest = new Map([...tree([INC_1, INC_2])].filter(([folder]) => folder !== `${CAPTURE_DIR}/inc-2`));
    assert.ok(isClean(diffDist(dist, rest, new Set([`${CAPTURE_DIR}/inc-2`]))));
  });
});
