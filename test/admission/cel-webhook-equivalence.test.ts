/**
 * The ValidatingAdmissionPolicy (its CEL, run by a real CEL implementation) and the webhook (its decision,
 * reached over real HTTPS) decide identically: same requests intercepted, same allow/deny, same message, on
 * every admission case and on a generated matrix of image spellings × request shapes.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { admissionPlatformObjects, blocklistConfigMap, validatingWebhookConfiguration, type Manifest } from '../../src/admission';
import { blocklistsFromYaml } from '../../src/webhook/blocklist-source';
import { startWebhookServer, type WebhookServer } from '../../src/webhook/server';
import { CASES, DIGESTS, INCIDENTS, spec, type AdmissionCase } from './admission-cases';
import { evaluatePolicy } from './cel-evaluator';
import { admissionReview, request } from '../webhook/client';
import { testCertificate } from '../webhook/tls';

type Json = any;
const [policy, binding] = admissionPlatformObjects({ createParamNamespace: false }) as [Manifest, Manifest];
const configMaps = INCIDENTS.map((incident) => blocklistConfigMap({ incident })!);
// The webhook reads the same ConfigMaps, as written to dist/.
const blocklists = configMaps.flatMap((cm) => blocklistsFromYaml(stringify(cm), 'dist/x.yaml'));
const webhookConfig: Json = validatingWebhookConfiguration();

/** Whether the API server would send this request to the webhook at all (rules and namespace selector). */
function reachesWebhook(c: AdmissionCase): boolean {
  const hook = webhookConfig.webhooks[0];
  const resource = c.subResource ? `${c.resource}/${c.subResource}` : c.resource;
  const ruled = hook.rules.some((r: Json) => r.apiGroups.includes(c.group) && r.operations.includes(c.operation) && r.resources.includes(resource));
  const excluded: string[] = hook.namespaceSelector.matchExpressions[0].values;
  return ruled && !excluded.includes(c.namespace);
}

let server: WebhookServer;
let emptyServer: WebhookServer;
let ca: string;
let uid = 0;

/** The webhook's answer over HTTPS: undefined when the request never reaches it (then it is admitted). */
async function webhookDecision(c: AdmissionCase): Promise<{ allowed: boolean; message: string | undefined } | undefined> {
  if (!reachesWebhook(c)) return undefined;
  const target = c.incidents === 'none' ? emptyServer : server;
  const id = `case-${++uid}`;
  const body = admissionReview(id, {
    kind: { group: c.group, version: c.version, kind: c.kind },
    resource: { group: c.group, version: c.version, resource: c.resource },
    ...(c.subResource ? { subResource: c.subResource } : {}),
    namespace: c.namespace,
    operation: c.operation,
    object: c.object,
    oldObject: c.oldObject ?? null,
  });
  const r = await request(`${target.url}/validate`, ca, { method: 'POST', body });
  assert.equal(r.status, 200, r.body);
  const response = JSON.parse(r.body).response;
  assert.equal(response.uid, id);
  return { allowed: response.allowed, message: response.status?.message };
}

function policyDecision(c: AdmissionCase): { allowed: boolean; message: string | undefined } | undefined {
  const d = evaluatePolicy(policy, binding, c.incidents === 'none' ? [] : configMaps, c);
  if (!d.matched) return undefined;
  return { allowed: d.allowed, message: d.messages.length > 0 ? d.messages.join('; ') : undefined };
}

/** Image spellings around every blocklist entry: equivalent forms, near misses, and malformed strings. */
function imageMatrix(): string[] {
  const { api, quay, other, sha512 } = DIGESTS;
  return [
    'nginx:1.25', 'nginx:1.26', 'nginx', 'library/nginx:1.25', 'docker.io/nginx:1.25', 'index.docker.io/library/nginx:1.25', `nginx:1.25@sha256:${other}`,
    `nginx@sha256:${other}`, 'mirror.example.com/library/nginx:1.25', 'NGINX:1.25', 'Nginx/nginx:1.25',
    `ghcr.io/acme/api@sha256:${api}`, `ghcr.io/acme/api:x@sha256:${api}`, `other.io/x/y@sha256:${api}`, 'ghcr.io/acme/api', `ghcr.io/acme/api@sha256:${api.toUpperCase()}`,
    'evil.example.com:5000/miner', 'evil.example.com:5000/miner:1', `evil.example.com:5000/miner@sha256:${other}`, 'evil.example.com/miner', 'EVIL.example.com:5000/miner',
    'localhost:5000/tools/debug', 'localhost:5000/tools/debug:2', 'localhost/tools/debug', 'localhost:5001/tools/debug',
    `quay.io/bad/thing@sha256:${quay}`, 'quay.io/bad/thing:v1', `quay.io/bad/thing:v1@sha256:${quay}`,
    '[fd00::1]:5000/secret/tool', '[fd00::1]:5000/secret/tool:9', '[fd00::1]/secret/tool',
    `registry.example.com/app@sha512:${sha512}`, `registry.example.com/app@sha256:${sha512.slice(0, 64)}`,
    'busybox', 'busybox:1', 'library/busybox', 'docker.io/busybox@sha256:' + other, 'someone/busybox', 'redis', 'redis:latest', 'redis:7', 'alpine:3.19', 'alpine',
    '', ':', '@', '/', 'a//b', 'x@y@z', ':tag', '@sha256:' + api, 'trailing/', 'üñí/çødé:1',
  ];
}

/** Every image of the matrix in every position a request can carry it. */
function matrixCases(): AdmissionCase[] {
  const base = { namespace: 'shop', group: '', version: 'v1', kind: 'Pod', resource: 'pods', incidents: 'both' as const, expect: { deny: false } as const };
  const pod = (s: Json) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: s });
  return imageMatrix().flatMap((image): AdmissionCase[] => [
    { ...base, name: `container ${image}`, operation: 'CREATE', object: pod(spec([image])) },
    { ...base, name: `initContainer ${image}`, operation: 'CREATE', object: pod(spec(['ghcr.io/acme/web:1'], [image])) },
    { ...base, name: `kubectl debug ${image}`, operation: 'UPDATE', subResource: 'ephemeralcontainers', object: pod(spec(['ghcr.io/acme/web:1'], [], [image])), oldObject: pod(spec(['ghcr.io/acme/web:1'])) },
    { ...base, name: `unchanged on update ${image}`, operation: 'UPDATE', object: pod(spec([image])), oldObject: pod(spec([image])) },
    {
      ...base, name: `CronJob ${image}`, operation: 'CREATE', group: 'batch', kind: 'CronJob', resource: 'cronjobs',
      object: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'shop' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: spec([image]) } } } } },
    },
  ]);
}

describe('the policy CEL and the webhook decide identically', () => {
  before(async () => {
    const { key, cert } = await testCertificate();
    ca = cert;
    server = await startWebhookServer({ key, cert, host: '127.0.0.1', port: 0, blocklists });
    emptyServer = await startWebhookServer({ key, cert, host: '127.0.0.1', port: 0, blocklists: [] });
  });
  after(async () => {
    await server.close();
    await emptyServer.close();
  });

  for (const c of CASES) {
    test(c.name, async () => {
      const fromPolicy = policyDecision(c);
      const fromWebhook = await webhookDecision(c);
      assert.deepEqual(fromWebhook, fromPolicy);
      // And both agree with what the case expects.
      assert.equal(fromPolicy?.allowed ?? true, !c.expect.deny);
    });
  }

  test('on a matrix of image spellings × request shapes (containers, initContainers, kubectl debug, updates, CronJobs)', async () => {
    const cases = matrixCases();
    assert.ok(cases.length >= 250, `${cases.length} cases`);
    let denied = 0;
    for (const c of cases) {
      const fromPolicy = policyDecision(c);
      assert.deepEqual(await webhookDecision(c), fromPolicy, c.name);
      if (fromPolicy && !fromPolicy.allowed) denied++;
    }
    // The matrix is not trivially "all allowed" or "all denied".
    assert.ok(denied > 50 && denied < cases.length - 50, `${denied} of ${cases.length} denied`);
  });
});
