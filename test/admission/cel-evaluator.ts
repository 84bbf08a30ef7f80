/**
 * A small ValidatingAdmissionPolicy evaluator for tests: it reads the generated policy and binding objects
 * (match rules, namespace selector, paramRef, variables, validations) and evaluates their CEL with a real CEL
 * implementation (@bufbuild/cel plus its strings extension, which provides the Kubernetes string functions the
 * policy uses), the way the API server does: once per selected param, denied if any evaluation fails.
 */
import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { Manifest } from '../../src/admission';
import type { AdmissionCase } from './admission-cases';

type Json = any;
/** Converts JSON to CEL input as Kubernetes does: JSON integers are CEL ints. */
export function toCel(value: Json): CelInput {
  if (Array.isArray(value)) return value.map(toCel) as CelInput;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)])) as CelInput;
  }
  return value as CelInput;
}

const env = celEnv({ funcs: strings });
const plans = new Map<string, ReturnType<typeof plan>>();
/** Evaluates one expression with the given bindings; returns the value or throws the CEL error. */
export function evaluate(expression: string, bindings: Record<string, CelInput>): unknown {
  let p = plans.get(expression);
  if (!p) {
    p = plan(env, parse(expression));
    plans.set(expression, p);
  }
  const result = p(bindings);
  if (isCelError(result)) throw new Error(`CEL error in ${expression}: ${result.message}`);
  return result;
}

/** What the API server would decide. */
export interface PolicyDecision {
  /** Whether the policy and binding apply to the request at all. */
  readonly matched: boolean;
  readonly allowed: boolean;
  /** Messages of failed validations, one per failing param. */
  readonly messages: string[];
}

function matchesRules(policy: Json, c: AdmissionCase): boolean {
  const resource = c.subResource ? `${c.resource}/${c.subResource}` : c.resource;
  return policy.spec.matchConstraints.resourceRules.some(
    (r: Json) => r.apiGroups.includes(c.group) && r.operations.includes(c.operation) && r.resources.includes(resource),
  );
}

function matchesNamespace(binding: Json, namespace: string): boolean {
  const exprs: Json[] = binding.spec.matchResources?.namespaceSelector?.matchExpressions ?? [];
  return exprs.every((e) => {
    if (e.key !== 'kubernetes.io/metadata.name') throw new Error(`unsupported selector key ${e.key}`);
    if (e.operator === 'NotIn') return !e.values.includes(namespace);
    if (e.operator === 'In') return e.values.includes(namespace);
    throw new Error(`unsupported operator ${e.operator}`);
  });
}

function selectParams(binding: Json, params: readonly Manifest[]): Manifest[] {
  const ref = binding.spec.paramRef;
  const want: Record<string, string> = ref.selector.matchLabels;
  return params.filter(
    (p) =>
      p.kind === 'ConfigMap' &&
      p.metadata.namespace === ref.namespace &&
      Object.entries(want).every(([k, v]) => p.metadata.labels?.[k] === v),
  );
}

/** Evaluates the policy's variables in order, each seeing the ones before it, as `variables.<name>`. */
export function evaluateVariables(policy: Manifest, bindings: Record<string, CelInput>): Record<string, CelInput> {
  const variables: Record<string, CelInput> = {};
  bindings.variables = variables;
  for (const v of (policy as Json).spec.variables) variables[v.name] = evaluate(v.expression, bindings) as CelInput;
  return variables;
}

/** Evaluates the policy through the binding for one admission request. */
export function evaluatePolicy(policy: Manifest, binding: Manifest, params: readonly Manifest[], c: AdmissionCase): PolicyDecision {
  const pol = policy as Json;
  if (!matchesRules(pol, c) || !matchesNamespace(binding, c.namespace)) return { matched: false, allowed: true, messages: [] };
  const selected = selectParams(binding, params);
  if (selected.length === 0) {
    const action = (binding as Json).spec.paramRef.parameterNotFoundAction;
    return { matched: true, allowed: action === 'Allow', messages: [] };
  }
  const messages: string[] = [];
  for (const param of selected) {
    const bindings: Record<string, CelInput> = {
      object: toCel(c.object),
      oldObject: toCel(c.oldObject ?? null),
      params: toCel(param),
      request: toCel({ operation: c.operation, namespace: c.namespace, subResource: c.subResource ?? '' }),
    };
    evaluateVariables(pol, bindings);
    for (const validation of pol.spec.validations) {
      if (evaluate(validation.expression, bindings) !== true) messages.push(String(evaluate(validation.messageExpression, bindings)));
    }
  }
  return { matched: true, allowed: messages.length === 0, messages };
}
