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
import { admissionReview, rawExchange, request } from './client';
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
  test('is ready once it holds blocklists', async () => {
    assert.equal((await request(`${server.url}/readyz`, ca)).status, 200);
    assert.equal(server.ready, true);
  });
  test('exports Prometheus metrics in the text format, counting decisions and the blocklist', async () => {
    const denied = server.metrics.reviews.get(['denied']);
    await request(`${server.url}/validate`, ca, { method: 'POST', body: admissionReview('uid-m', { operation: 'CREATE', object: pod('busybox') }) });
    await request(`${server.url}/validate`, ca, { method: 'POST', body: '{' });
    const r = await request(`${server.url}/metrics`, ca);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    for (const line of r.body.trimEnd().split('\n')) {
      assert.match(line, /^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+|[a-z_]+(\{.*\})? \+Inf)$/, line);
    }
    assert.ok(r.body.includes(`airlock_webhook_reviews_total{decision="denied"} ${denied + 1}`), r.body);
    assert.match(r.body, /airlock_webhook_rejected_requests_total\{code="400"\} [1-9]/);
    assert.match(r.body, /^airlock_webhook_review_duration_seconds_count [1-9]\d*$/m);
    assert.match(r.body, /^airlock_webhook_review_duration_seconds_bucket\{le="\+Inf"\} [1-9]\d*$/m);
    assert.match(r.body, /^airlock_webhook_blocklist_incidents 2$/m);
    assert.match(r.body, /^airlock_webhook_blocklist_entries 10$/m);
    assert.match(r.body, /^airlock_webhook_ready 1$/m);
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

describe('webhook server bounds and malformed requests', () => {
  let server: WebhookServer;
  let ca: string;
  const LIMIT = 4096;
  before(async () => {
    const { key, cert } = await testCertificate();
    ca = cert;
    const dist = await writeDist();
    server = await startWebhookServer({ key, cert, host: '127.0.0.1', port: 0, blocklists: await loadBlocklists(dist), maxBodyBytes: LIMIT, bodyTimeoutMs: 300 });
    await fs.rm(dist, { recursive: true, force: true });
  });
  after(async () => {
    await server.close();
  });
  const post = (body: string) => request(`${server.url}/validate`, ca, { method: 'POST', body });
  const valid = (uid: string) => admissionReview(uid, { operation: 'CREATE', object: pod('busybox') });

  const malformed: Array<[string, string]> = [
    ['an empty body', ''],
    ['truncated JSON', valid('x').slice(0, 40)],
    ['JSON null', 'null'],
    ['a JSON number', '42'],
    ['a JSON string', '"AdmissionReview"'],
    ['a JSON array', '[{"apiVersion":"admission.k8s.io/v1"}]'],
    ['a review without request', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}'],
    ['a request that is not an object', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":"x"}'],
    ['a numeric uid', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}'],
    ['an empty uid', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":""}}'],
    ['another kind', '{"apiVersion":"admission.k8s.io/v1","kind":"ConversionReview","request":{"uid":"x"}}'],
    ['deeply nested JSON', `${'['.repeat(1500)}${']'.repeat(1500)}`],
    ['bytes that are not UTF-8 JSON', '\u0000\u0001\ufffe'],
  ];
  for (const [name, body] of malformed) {
    test(`answers ${name} with 400 and keeps serving`, async () => {
      assert.equal((await post(body)).status, 400);
      assert.equal(JSON.parse((await post(valid('after'))).body).response.uid, 'after');
    });
  }
  test('echoes every request uid, whatever its spelling', async () => {
    for (const uid of ['705ab4f5-6393-11e8-b7cc-42010a800002', 'ü-ñ-✓', 'a"b\\c', 'x'.repeat(200)]) {
      assert.equal(JSON.parse((await post(valid(uid))).body).response.uid, uid);
    }
  });
  test('an object without a pod spec or an unknown operation is allowed (nothing to check), uid echoed', async () => {
    for (const request of [{ operation: 'CREATE', object: 'garbage' }, { operation: 'CONNECT' }, { operation: 'CREATE' }]) {
      assert.deepEqual(JSON.parse((await post(admissionReview('odd', request))).body).response, { uid: 'odd', allowed: true });
    }
  });
  test('refuses a body announced larger than the limit with 413 before reading it, and closes the connection', async () => {
    const host = new URL(server.url).host;
    const r = await rawExchange(server.url, ca, `POST /validate HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT * 100}\r\n\r\n{`);
    assert.equal(r.status, 413);
    assert.equal(r.closed, true);
  });
  test('refuses a chunked body that grows past the limit with 413', async () => {
    const host = new URL(server.url).host;
    const chunk = 'x'.repeat(LIMIT + 1);
    const r = await rawExchange(server.url, ca, `POST /validate HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    assert.equal(r.status, 413);
  });
  test('answers a body that stops arriving with 408 once the body timeout passes', async () => {
    const host = new URL(server.url).host;
    const started = Date.now();
    const r = await rawExchange(server.url, ca, `POST /validate HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 100\r\n\r\n{"apiVersion":`);
    assert.equal(r.status, 408);
    assert.equal(r.closed, true);
    assert.ok(Date.now() - started < 5000, 'well before any default timeout');
  });
  test('counts the refusals by status code', () => {
    assert.ok(server.metrics.rejected.get(['400']) >= malformed.length);
    assert.ok(server.metrics.rejected.get(['413']) >= 2);
    assert.ok(server.metrics.rejected.get(['408']) >= 1);
  });
  test('while draining it fails readiness but still decides reviews, then stops', async () => {
    const closing = server.close(1500);
    assert.equal((await request(`${server.url}/readyz`, ca)).status, 503);
    assert.equal(JSON.parse((await post(valid('draining'))).body).response.allowed, false);
    await closing;
    await assert.rejects(request(`${server.url}/healthz`, ca));
  });
});

describe('a server started without blocklists', () => {
  test('is alive, not ready, answers reviews 503 until given blocklists, then decides', async () => {
    const { key, cert } = await testCertificate();
    const server = await startWebhookServer({ key, cert, host: '127.0.0.1', port: 0 });
    try {
      assert.equal((await request(`${server.url}/healthz`, cert)).status, 200);
      assert.equal((await request(`${server.url}/readyz`, cert)).status, 503);
      const body = admissionReview('w', { operation: 'CREATE', object: pod('busybox') });
      assert.equal((await request(`${server.url}/validate`, cert, { method: 'POST', body })).status, 503);
      assert.match((await request(`${server.url}/metrics`, cert)).body, /^airlock_webhook_ready 0$/m);
      server.setBlocklists([]);
      assert.equal((await request(`${server.url}/readyz`, cert)).status, 200);
      assert.deepEqual(JSON.parse((await request(`${server.url}/validate`, cert, { method: 'POST', body })).body).response, { uid: 'w', allowed: true });
    } finally {
      await server.close();
    }
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
