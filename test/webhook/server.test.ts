/** The webhook over real HTTPS on loopback, with a certificate generated for the test. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { blocklistConfigMap } from '../../src/admission';
import { loadBlocklists } from '../../src/webhook/blocklist-source';
import { startWebhookServer, type WebhookDecision, type WebhookServer } from '../../src/webhook/server';
import { BlocklistLoadError } from '../../src/webhook/errors';
import { INCIDENTS } from '../admission/admission-cases';
import { admissionReview, request } from './client';
import { testCertificate } from './tls';

const pod = (image: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [{ name: 'c', image }] } });

/** Writes the incidents' ConfigMaps into a dist/ layout (one folder per incident) plus an unrelated manifest. */
async function writeDist(): Promise<string> {
  const dist = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-dist-'));
  for (const incident of INCIDENTS) {
    await fs.mkdir(path.join(dist, incident.slug), { recursive: true });
    const cm = blocklistConfigMap({ incident })!;
    const np = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x', namespace: 'shop' }, spec: { podSelector: {} } };
    await fs.writeFile(path.join(dist, incident.slug, 'manifests.yaml'), `${stringify(np)}---\n${stringify(cm)}`);
  }
  return dist;
}

describe('webhook server', () => {
  let server: WebhookServer;
  let ca: string;
  let dist: string;
  const decisions: WebhookDecision[] = [];

  before(async () => {
    const { key, cert } = await testCertificate();
    ca = cert;
    dist = await writeDist();
    server = await startWebhookServer({ key, cert, host: '127.0.0.1', port: 0, blocklists: await loadBlocklists(dist), onDecision: (d) => decisions.push(d) });
  });
  after(async () => {
    await server.close();
    await fs.rm(dist, { recursive: true, force: true });
  });

  test('denies a pod with a blocked image, naming the incident and reason, over verified TLS', async () => {
    const r = await request(`${server.url}/validate`, ca, { method: 'POST', body: admissionReview('uid-1', { operation: 'CREATE', object: pod('busybox:1.36') }) });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.body), {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'uid-1', allowed: false, status: { code: 403, reason: 'Forbidden', message: 'image busybox:1.36 is blocked by incident INC-2: cryptominer; typosquat' } },
    });
  });
  test('allows a pod whose images are not blocked', async () => {
    const r = await request(`${server.url}/validate`, ca, { method: 'POST', body: admissionReview('uid-2', { operation: 'CREATE', object: pod('ghcr.io/acme/web:1') }) });
    assert.deepEqual(JSON.parse(r.body).response, { uid: 'uid-2', allowed: true });
  });
  test('reports each decision to the operator log', async () => {
    await request(`${server.url}/validate`, ca, { method: 'POST', body: admissionReview('uid-3', { operation: 'CREATE', object: pod('nginx:1.25') }) });
    assert.deepEqual(decisions.find((d) => d.uid === 'uid-3'), { uid: 'uid-3', allowed: false, message: 'image nginx:1.25 is blocked by incident INC-1: backdoored build' });
  });
  test('answers health probes', async () => {
    const r = await request(`${server.url}/healthz`, ca);
    assert.equal(r.status, 200);
  });
  test('refuses a body that is not JSON with 400', async () => {
    const r = await request(`${server.url}/validate`, ca, { method: 'POST', body: '{not json' });
    assert.equal(r.status, 400);
  });
  test('refuses a review of another version with 400 and says which is expected', async () => {
    const r = await request(`${server.url}/validate`, ca, { method: 'POST', body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x' } }) });
    assert.equal(r.status, 400);
    assert.match(r.body, /admission\.k8s\.io\/v1/);
  });
  test('refuses GET on the review path with 405', async () => {
    const r = await request(`${server.url}/validate`, ca);
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'POST');
  });
  test('answers 404 elsewhere', async () => {
    assert.equal((await request(`${server.url}/mutate`, ca, { method: 'POST', body: '{}' })).status, 404);
  });
  test('enforces new blocklists after setBlocklists, and allows all with none', async () => {
    const body = admissionReview('uid-4', { operation: 'CREATE', object: pod('busybox') });
    server.setBlocklists([]);
    try {
      assert.equal(JSON.parse((await request(`${server.url}/validate`, ca, { method: 'POST', body })).body).response.allowed, true);
    } finally {
      server.setBlocklists(await loadBlocklists(dist));
    }
    assert.equal(JSON.parse((await request(`${server.url}/validate`, ca, { method: 'POST', body })).body).response.allowed, false);
  });
});

describe('loading blocklists from dist/', () => {
  test('finds one blocklist per incident folder, ordered by incident', async () => {
    const dist = await writeDist();
    try {
      assert.deepEqual((await loadBlocklists(dist)).map((b) => b.incident), ['INC-1', 'INC-2']);
    } finally {
      await fs.rm(dist, { recursive: true, force: true });
    }
  });
  test('an empty dist folder means nothing is blocked', async () => {
    const dist = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-dist-'));
    try {
      assert.deepEqual(await loadBlocklists(dist), []);
    } finally {
      await fs.rm(dist, { recursive: true, force: true });
    }
  });
  test('a missing dist folder is an error, not an empty blocklist', async () => {
    await assert.rejects(loadBlocklists(path.join(os.tmpdir(), 'airlock-no-such-dist')), BlocklistLoadError);
  });
  test('a file that is not YAML is an error naming the file', async () => {
    const dist = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-dist-'));
    try {
      await fs.writeFile(path.join(dist, 'bad.yaml'), 'a: [unclosed\n');
      await assert.rejects(loadBlocklists(dist), (e: Error) => e instanceof BlocklistLoadError && e.message.includes('bad.yaml'));
    } finally {
      await fs.rm(dist, { recursive: true, force: true });
    }
  });
});
