/**
 * Kubernetes label selectors (metav1.LabelSelector), parsed once into a form that cannot hold an invalid
 * requirement, and matched with the API server's semantics.
 */
import type { Problem } from '../errors';
import { checkLabelKey, NAME_HINTS } from '../incident/kubernetes-names';

/** Labels of a pod or namespace. */
export type Labels = Readonly<Record<string, string>>;

/** One matchExpressions entry; `In`/`NotIn` carry values, `Exists`/`DoesNotExist` never do. */
export type Requirement =
  | { readonly key: string; readonly operator: 'In' | 'NotIn'; readonly values: readonly string[] }
  | { readonly key: string; readonly operator: 'Exists' | 'DoesNotExist' };

/** A parsed selector. The empty selector (no labels, no expressions) matches everything. */
export interface LabelSelector {
  readonly matchLabels: Labels;
  readonly matchExpressions: readonly Requirement[];
}

/** The selector `{}`: matches every object. */
export const MATCH_ALL: LabelSelector = Object.freeze({ matchLabels: Object.freeze({}), matchExpressions: Object.freeze([]) });

/** True when the selector selects every object (so callers can skip matching). */
export function isMatchAll(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

/** Kubernetes selector semantics: every matchLabels pair and every requirement must hold (AND). */
export function matchesSelector(selector: LabelSelector, labels: Labels): boolean {
  for (const key in selector.matchLabels) {
    if (labels[key] !== selector.matchLabels[key]) return false;
  }
  for (const req of selector.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    switch (req.operator) {
      case 'In':
        if (!has || !req.values.includes(labels[req.key])) return false;
        break;
      case 'NotIn':
        // A missing key satisfies NotIn, as in the API server.
        if (has && req.values.includes(labels[req.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** Where a value came from, for problems: the file and the field path of the value. */
export interface Where {
  readonly file: string;
  readonly field: string;
}

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/**
 * Parses a raw selector. Problems are appended (not thrown) so that one pass reports every bad field of a file;
 * the returned selector is then meaningless and the caller must not use it.
 */
export function parseLabelSelector(raw: unknown, where: Where, problems: Problem[]): LabelSelector {
  if (raw === null || raw === undefined) return MATCH_ALL;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ ...where, message: 'is not a label selector', hint: 'an object with matchLabels and/or matchExpressions' });
    return MATCH_ALL;
  }
  const obj = raw as Record<string, unknown>;
  const matchLabels: Record<string, string> = {};
  if (obj.matchLabels !== undefined && obj.matchLabels !== null) {
    if (typeof obj.matchLabels !== 'object' || Array.isArray(obj.matchLabels)) {
      problems.push({ file: where.file, field: `${where.field}.matchLabels`, message: 'is not a map', hint: 'key: value pairs of strings' });
    } else {
      for (const [k, v] of Object.entries(obj.matchLabels as Record<string, unknown>)) {
        const badKey = checkLabelKey(k);
        if (badKey) problems.push({ file: where.file, field: `${where.field}.matchLabels.${k}`, message: badKey, hint: NAME_HINTS.labelKey });
        else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') matchLabels[k] = String(v);
        else problems.push({ file: where.file, field: `${where.field}.matchLabels.${k}`, message: 'is not a string', hint: 'a label value string' });
      }
    }
  }
  const matchExpressions: Requirement[] = [];
  if (obj.matchExpressions !== undefined && obj.matchExpressions !== null) {
    if (!Array.isArray(obj.matchExpressions)) {
      problems.push({ file: where.file, field: `${where.field}.matchExpressions`, message: 'is not a list', hint: 'a list of {key, operator, values}' });
    } else {
      obj.matchExpressions.forEach((e: unknown, k: number) => {
        const field = `${where.field}.matchExpressions[${k}]`;
        const req = parseRequirement(e, { file: where.file, field }, problems);
        if (req) matchExpressions.push(req);
      });
    }
  }
  return { matchLabels, matchExpressions };
}

function parseRequirement(raw: unknown, where: Where, problems: Problem[]): Requirement | undefined {
  if (typeof raw !== 'object' || raw === null) {
    problems.push({ ...where, message: 'is not a requirement', hint: '{key, operator, values}' });
    return undefined;
  }
  const { key, operator, values } = raw as Record<string, unknown>;
  if (typeof key !== 'string' || key === '') {
    problems.push({ file: where.file, field: `${where.field}.key`, message: 'is missing', hint: 'a label key' });
    return undefined;
  }
  if (!OPERATORS.includes(operator as (typeof OPERATORS)[number])) {
    problems.push({ file: where.file, field: `${where.field}.operator`, message: `is ${JSON.stringify(operator)}`, hint: OPERATORS.join(', ') });
    return undefined;
  }
  const list = values === undefined || values === null ? [] : values;
  if (!Array.isArray(list)) {
    problems.push({ file: where.file, field: `${where.field}.values`, message: 'is not a list', hint: 'a list of strings' });
    return undefined;
  }
  if (operator === 'In' || operator === 'NotIn') {
    if (list.length === 0) {
      problems.push({ file: where.file, field: `${where.field}.values`, message: `is empty for operator ${operator}`, hint: 'at least one value' });
      return undefined;
    }
    return { key, operator, values: list.map(String) };
  }
  if (list.length > 0) {
    problems.push({ file: where.file, field: `${where.field}.values`, message: `must be empty for operator ${operator as string}`, hint: 'no values' });
    return undefined;
  }
  return { key, operator: operator as 'Exists' | 'DoesNotExist' };
}
