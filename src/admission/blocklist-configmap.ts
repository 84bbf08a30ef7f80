/**
 * The per-incident blocklist ConfigMap: the ValidatingAdmissionPolicy's param, the Kyverno rule's param and the
 * webhook's data, all in one object that lives in the incident's own `dist/` folder.
 */
import { ValidationError, type Problem } from '../errors';
import { parseImageReference, type ImageReference } from '../incident/image-reference';
import type { BlockImagesAction, Incident } from '../incident/types';
import { blocklistData, blocklistFromReferences } from './blocklist';
import {
  BLOCKLIST_LABEL,
  BLOCKLIST_LABEL_VALUE,
  DEFAULT_PARAM_NAMESPACE,
  INCIDENT_LABEL,
  managedLabels,
  type Manifest,
} from './manifest';

/** Options of {@link blocklistConfigMap}. */
export interface BlocklistConfigMapOptions {
  /** The incident; only its `blockImages` actions are read. */
  readonly incident: Pick<Incident, 'id' | 'slug' | 'actions'> & { readonly file?: string };
  /** Namespace the binding's `paramRef` searches. @default 'airlock-system' */
  readonly namespace?: string;
  /** Annotations to carry (title, severity, ticket…), as the synth layer computes them. @default none */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Name of an incident's blocklist ConfigMap. */
export function blocklistConfigMapName(slug: string): string {
  return `airlock-blocklist-${slug}`;
}

/** The incident's blockImages actions, with their index in `actions` (for error fields). */
function blockImagesActions(actions: Incident['actions']): Array<{ action: BlockImagesAction; index: number }> {
  return actions.flatMap((action, index) => (action.kind === 'blockImages' ? [{ action, index }] : []));
}

/**
 * The incident's blocklist ConfigMap, or undefined when it declares no `blockImages` action. Throws a
 * ValidationError naming the field for an image reference that does not parse (the incident validator
 * should have caught it first).
 */
export function blocklistConfigMap(options: BlocklistConfigMapOptions): Manifest | undefined {
  const { incident } = options;
  const actions = blockImagesActions(incident.actions);
  if (actions.length === 0) return undefined;
  const problems: Problem[] = [];
  const references: ImageReference[] = [];
  for (const { action, index } of actions) {
    action.images.forEach((image, i) => {
      const parsed = parseImageReference(image);
      if (parsed.ok) references.push(parsed.value);
      else problems.push({ file: incident.file ?? `incidents/${incident.id}.ts`, field: `actions[${index}].images[${i}]`, message: parsed.error, hint: parsed.hint });
    });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  const reason = [...new Set(actions.map(({ action }) => action.reason))].join('; ');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: blocklistConfigMapName(incident.slug),
      namespace: options.namespace ?? DEFAULT_PARAM_NAMESPACE,
      labels: managedLabels({ [INCIDENT_LABEL]: incident.id, [BLOCKLIST_LABEL]: BLOCKLIST_LABEL_VALUE }),
      ...(options.annotations && Object.keys(options.annotations).length > 0 ? { annotations: { ...options.annotations } } : {}),
    },
    data: blocklistData(blocklistFromReferences(incident.id, reason, references)),
  };
}
