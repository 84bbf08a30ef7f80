/**
 * Calico selector expressions (`k == 'v' && ...`) built from validated labels. Label keys and values are
 * already checked against Kubernetes' syntax, which cannot hold a quote, but a selector is a small language:
 * the quoting here never lets a value end its string literal, and a key outside the identifier characters is
 * a bug that stops synthesis rather than a selector that means something else.
 */
import type { Labels } from '../../incident/types';

/** The label Calico puts on every workload endpoint: the name of its namespace. */
export const CALICO_NAMESPACE_LABEL = 'projectcalico.org/namespace';

const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.\/-]*$/;

/** A string literal for a selector: single-quoted, or double-quoted when the value holds a single quote. */
export function quoteSelectorValue(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new Error(`label value ${JSON.stringify(value)} holds both quote characters and cannot be a Calico selector literal`);
}

function term(key: string, value: string): string {
  if (!KEY.test(key)) throw new Error(`label key ${JSON.stringify(key)} cannot be written in a Calico selector`);
  return `${key} == ${quoteSelectorValue(value)}`;
}

/**
 * The endpoints of one namespace (when given) that carry every label: `projectcalico.org/namespace == 'ns' &&
 * app == 'x'`. Without namespace and labels it is `all()`.
 */
export function calicoSelector(namespace: string | undefined, labels: Labels): string {
  const terms = [...(namespace !== undefined ? [term(CALICO_NAMESPACE_LABEL, namespace)] : []), ...Object.entries(labels).map(([k, v]) => term(k, v))];
  return terms.length > 0 ? terms.join(' && ') : 'all()';
}

/**
 * Reads back a selector of the form {@link calicoSelector} writes (equality terms joined by `&&`, or `all()`),
 * for the evaluation model. Anything else throws: the model only evaluates what Airlock itself wrote.
 */
export function parseCalicoSelector(selector: string): { namespace?: string; labels: Record<string, string> } {
  const labels: Record<string, string> = {};
  let namespace: string | undefined;
  if (selector.trim() === 'all()') return { labels };
  for (const part of selector.split('&&')) {
    const m = /^\s*([A-Za-z0-9_][A-Za-z0-9_.\/-]*)\s*==\s*(?:'([^']*)'|"([^"]*)")\s*$/.exec(part);
    if (!m) throw new Error(`unsupported Calico selector term: ${part.trim()}`);
    const value = m[2] ?? m[3];
    if (m[1] === CALICO_NAMESPACE_LABEL) namespace = value;
    else labels[m[1]] = value;
  }
  return { ...(namespace !== undefined ? { namespace } : {}), labels };
}
