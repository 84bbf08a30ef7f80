/** One-line, human descriptions of actions, for `airlock list`, commit subjects and messages. */
import type { Action, Labels } from './types';

/** `key=value,key=value`, as kubectl writes a label selector. */
export function formatSelector(selector: Labels): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** What an action contains, e.g. `isolate payments/checkout-1` or `block 2 images`. */
export function describeAction(action: Action): string {
  switch (action.kind) {
    case 'isolatePod':
      return `isolate ${action.namespace}/${action.pod}`;
    case 'isolateWorkload':
      return `isolate ${action.namespace}/${formatSelector(action.selector)}`;
    case 'quarantineNamespace':
      return `quarantine namespace ${action.namespace}`;
    case 'restrictEgress':
      return `restrict egress of ${action.namespace}/${action.pod ?? formatSelector(action.selector)}`;
    case 'blockImages':
      return `block ${action.images.length} image${action.images.length === 1 ? '' : 's'}`;
    case 'captureEvidence':
      return `capture evidence of ${action.namespace}/${action.pod}`;
  }
}
