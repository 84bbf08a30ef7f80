/**
 * Kyverno mode: a ClusterPolicy whose CEL rule runs the same program as the ValidatingAdmissionPolicy over the
 * same blocklist ConfigMaps (Kyverno's `validate.cel` takes `paramKind`/`paramRef` like a policy binding), so
 * the three modes cannot drift apart in what they block.
 */
import { blockImagesCel } from './cel';
import {
  BLOCK_IMAGES_POLICY_NAME,
  BLOCKLIST_LABEL,
  BLOCKLIST_LABEL_VALUE,
  DEFAULT_PARAM_NAMESPACE,
  DEFAULT_PROTECTED_NAMESPACES,
  managedLabels,
  type Manifest,
} from './manifest';
import { ADMITTED_RESOURCES } from './resources';
import type { FailurePolicy } from './policy';

/** Options of {@link kyvernoClusterPolicy}. */
export interface KyvernoPolicyOptions {
  /** `Enforce` refuses the request; `Audit` admits it and reports a violation. @default 'Enforce' */
  readonly failureAction?: 'Enforce' | 'Audit';
  /** What happens when Kyverno cannot answer. @default 'Fail' (fail-closed) */
  readonly failurePolicy?: FailurePolicy;
  /** @default DEFAULT_PROTECTED_NAMESPACES */
  readonly protectedNamespaces?: readonly string[];
  /** Namespace of the blocklist ConfigMaps; always excluded. @default 'airlock-system' */
  readonly paramNamespace?: string;
}

/** The ClusterPolicy for Kyverno mode, written once into the platform folder. */
export function kyvernoClusterPolicy(options: KyvernoPolicyOptions = {}): Manifest {
  const paramNamespace = options.paramNamespace ?? DEFAULT_PARAM_NAMESPACE;
  const excluded = [...new Set([...(options.protectedNamespaces ?? DEFAULT_PROTECTED_NAMESPACES), paramNamespace])].sort();
  const cel = blockImagesCel();
  return {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: {
      name: BLOCK_IMAGES_POLICY_NAME,
      labels: managedLabels(),
      annotations: {
        // The rule already lists every workload kind; Kyverno must not generate its own variants.
        'pod-policies.kyverno.io/autogen-controllers': 'none',
        'policies.kyverno.io/title': 'Block images named by Airlock incidents',
      },
    },
    spec: {
      // Admission only: blocklists stop new images; running pods are the network actions' business.
      background: false,
      failurePolicy: options.failurePolicy ?? 'Fail',
      rules: [
        {
          name: 'block-images',
          match: {
            any: [
              {
                resources: {
                  kinds: ADMITTED_RESOURCES.flatMap((r) => r.kyvernoKinds),
                  operations: ['CREATE', 'UPDATE'],
                },
              },
            ],
          },
          exclude: { any: [{ resources: { namespaces: excluded } }] },
          validate: {
            failureAction: options.failureAction ?? 'Enforce',
            cel: {
              paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
              paramRef: {
                namespace: paramNamespace,
                selector: { matchLabels: { [BLOCKLIST_LABEL]: BLOCKLIST_LABEL_VALUE } },
                parameterNotFoundAction: 'Allow',
              },
              variables: cel.variables.map((v) => ({ name: v.name, expression: v.expression })),
              expressions: cel.validations.map((v) => ({ expression: v.expression, messageExpression: v.messageExpression, message: v.message, reason: v.reason })),
            },
          },
        },
      ],
    },
  };
}
