/**
 * The ServiceAccounts, Roles and RoleBindings of the capture and probe Jobs. Each Job gets its own account and
 * only namespaced Roles naming exactly the verbs its script uses, restricted to the one object by
 * `resourceNames` wherever Kubernetes authorizes by name (it cannot for `create` and `list`, whose requests
 * name no object). Nothing here grants Secrets, wildcards or cluster-wide access; the tests list every verb.
 */
import type { Manifest } from '../../admission/manifest';

/** One RBAC rule. */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** Metadata shared by the RBAC objects of one Job. */
export interface RbacMetadata {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** The Job's own ServiceAccount. Its token is mounted only where the Job's pod asks for it. */
export function serviceAccount(name: string, namespace: string, meta: RbacMetadata): Manifest {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, ...meta }, automountServiceAccountToken: false };
}

/**
 * A Role and the RoleBinding that grants it to a ServiceAccount, possibly of another namespace (the Jobs run
 * in the evidence namespace and act in the suspect's).
 */
export function grant(name: string, namespace: string, rules: readonly PolicyRule[], subject: { readonly name: string; readonly namespace: string }, meta: RbacMetadata): Manifest[] {
  const role: Manifest = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name, namespace, ...meta },
    rules: rules.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}), verbs: [...r.verbs] })),
  };
  const binding: Manifest = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace, ...meta },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name: subject.name, namespace: subject.namespace }],
  };
  return [role, binding];
}

/** Read and update one result ConfigMap (server-side apply is a `patch`). */
export function resultConfigMapRules(name: string): PolicyRule[] {
  return [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [name], verbs: ['get', 'patch'] }];
}
