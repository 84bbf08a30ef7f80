/**
 * The webhook's decision over the same admission objects as the policy's CEL: both modes must block the
 * same images with the same messages.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { admissionPlatformObjects, blocklistConfigMap, type Manifest } from '../../src/admission';
import { blocklistsFromYaml } from '../../src/webhook/blocklist-source';
import { reviewAdmission, parseAdmissionReview } from '../../src/webhook/review';
import { stringify } from 'yaml';
import { CASES, INCIDENTS } from '../admission/admission-cases';
import { evaluatePolicy } from '../admission/cel-evaluator';

const configMaps = INCIDENTS.map((incident) => blocklistConfigMap({ incident })!);
const blocklists = configMaps.flatMap((cm) => blocklistsFromYaml(stringify(cm), 'dist/x.yaml'));
const [policy, binding] = admissionPlatformObjects({ createParamNamespace: false }) as [Manifest, Manifest];

function decide(c: (typeof CASES)[number]) {
  return reviewAdmission(
    { uid: 'u', operation: c.operation, object: c.object, oldObject: c.oldObject ?? null },
    c.incidents === 'none' ? [] : blocklists,
  ).response;
}

describe('webhook decision', () => {
  for (const c of CASES.filter((x) => !x.protectedNamespace)) {
    test(c.name, () => {
      const r = decide(c);
      assert.equal(r.allowed, !c.expect.deny, r.status?.message);
      if (c.expect.deny) {
        assert.equal(r.status?.code, 403);
        assert.match(r.status!.message, new RegExp(`incident ${(c.expect as { incident: string }).incident}:`));
      }
    });
  }
  test('denies with the message the policy gives, for every case', () => {
    for (const c of CASES.filter((x) => !x.protectedNamespace && x.incidents !== 'none')) {
      const policyDecision = evaluatePolicy(policy, binding, configMaps, c);
      const r = decide(c);
      assert.equal(r.status?.message, policyDecision.messages.length ? policyDecision.messages.join('; ') : undefined, c.name);
    }
  });
  test('DELETE is always allowed', () => {
    const c = CASES.find((x) => x.expect.deny)!;
    assert.equal(reviewAdmission({ uid: 'u', operation: 'DELETE', object: null, oldObject: c.object }, blocklists).response.allowed, true);
  });
  test('the uid is echoed', () => {
    assert.equal(reviewAdmission({ uid: 'abc-123', operation: 'CREATE', object: {} }, blocklists).response.uid, 'abc-123');
  });
});

describe('parseAdmissionReview', () => {
  test('accepts an AdmissionReview v1 with a uid', () => {
    assert.equal(parseAdmissionReview({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'x' } }).ok, true);
  });
  test('refuses v1beta1 reviews, naming what it expects', () => {
    const r = parseAdmissionReview({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x' } });
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /expected apiVersion admission\.k8s\.io\/v1/);
  });
  test('refuses a review without a request uid', () => {
    assert.equal(parseAdmissionReview({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: {} }).ok, false);
  });
});
