/**
 * The analysis' view of a cluster: namespaces, pods and the three tiers of policy, already validated and in a
 * shape where every field that could be malformed in YAML has exactly one meaning.
 */
import type { IpSet } from './ipset';
import type { Protocol } from './ports';
import type { LabelSelector, Labels } from './selectors';

/** A namespace and its labels (always including `kubernetes.io/metadata.name`, as the API server adds it). */
export interface NamespaceInfo {
  readonly name: string;
  readonly labels: Labels;
}

/** A container port a named port can resolve to. */
export interface ContainerPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: Protocol;
}

/**
 * A container and the image it runs: what `airlock plan` matches an image blocklist against, since admission
 * stops only new pods and responders need the running ones.
 */
export interface ContainerImage {
  /** Container name (regular, init or ephemeral container). */
  readonly container: string;
  /** `image` as the pod spec writes it (`repo:tag`, `repo@sha256:…`). */
  readonly image: string;
  /**
   * Digest (`algorithm:hex`) the node pulled, from the container status' `imageID` (`…@sha256:…`); absent when
   * the snapshot has no status (a manifest, a workload template) or the runtime reports no repository digest.
   */
  readonly digest?: string;
}

/**
 * The workload a pod is reported under: the controller owner for a pod with one (not resolved further, so a
 * Deployment's pod is reported under its ReplicaSet), the pod itself otherwise, or the workload object for a
 * representative pod.
 */
export interface WorkloadRef {
  readonly namespace: string;
  readonly name: string;
  readonly kind: string;
}

/** A pod as policies see it. */
export interface PodInfo {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly ports: readonly ContainerPort[];
  readonly workload: WorkloadRef;
  /** Its containers' images, in spec order (containers, init containers, ephemeral containers). */
  readonly images: readonly ContainerImage[];
  /**
   * True for a pod that stands for the replicas of a workload manifest (Deployment etc.), false for a Pod
   * object: the blast radius of a selector is then "this workload's pods", not named pods.
   */
  readonly representative: boolean;
  /** File the object came from. */
  readonly source: string;
}

/** Which kind of policy a verdict came from, and which one. */
export type PolicyRef =
  | { readonly kind: 'NetworkPolicy'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'AdminNetworkPolicy'; readonly name: string }
  | { readonly kind: 'BaselineAdminNetworkPolicy'; readonly name: string };

/** `NetworkPolicy ns/name`, `AdminNetworkPolicy name`. */
export function formatPolicyRef(ref: PolicyRef): string {
  return ref.kind === 'NetworkPolicy' ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

/**
 * One port clause. `named` ports resolve through the destination pod's container ports; `protocol` is absent
 * for an AdminNetworkPolicy `namedPort`, whose protocol is the container port's.
 */
export type PortClause =
  | { readonly kind: 'range'; readonly protocol: Protocol; readonly first: number; readonly last: number }
  | { readonly kind: 'named'; readonly protocol?: Protocol; readonly name: string }
  | { readonly kind: 'protocol'; readonly protocol: Protocol };

/** The ports a rule covers: everything, or the union of its clauses. */
export type PortsSpec = { readonly kind: 'all' } | { readonly kind: 'clauses'; readonly clauses: readonly PortClause[] };

/** Which namespaces a pod peer may live in. */
export type NamespaceScope =
  /** Only the namespace named (a NetworkPolicy peer without namespaceSelector). */
  | { readonly kind: 'name'; readonly name: string }
  /** Namespaces whose labels match. */
  | { readonly kind: 'selector'; readonly selector: LabelSelector };

/** A peer of a rule: pods (by namespace scope AND pod selector) or addresses. */
export type Peer =
  | { readonly kind: 'pods'; readonly namespaces: NamespaceScope; readonly pods: LabelSelector }
  | { readonly kind: 'ips'; readonly ips: IpSet }
  /** AdminNetworkPolicy `nodes`: node selection is outside what an inventory of pods can decide; never matches. */
  | { readonly kind: 'nodes' };

/** Peers of a rule; `all` is a NetworkPolicy rule without `from`/`to`, which matches every source or destination. */
export type Peers = { readonly kind: 'all' } | { readonly kind: 'some'; readonly peers: readonly Peer[] };

/** A NetworkPolicy rule; rules only allow. */
export interface NetworkPolicyRule {
  readonly index: number;
  readonly peers: Peers;
  readonly ports: PortsSpec;
}

/** One direction of a NetworkPolicy: absent when the policy does not isolate that direction. */
export interface NetworkPolicyDirection {
  readonly rules: readonly NetworkPolicyRule[];
}

/** A validated NetworkPolicy. */
export interface NetworkPolicyInfo {
  readonly ref: PolicyRef & { readonly kind: 'NetworkPolicy' };
  readonly namespace: string;
  readonly podSelector: LabelSelector;
  readonly ingress?: NetworkPolicyDirection;
  readonly egress?: NetworkPolicyDirection;
  readonly source: string;
}

/** AdminNetworkPolicy actions; BaselineAdminNetworkPolicy has no `Pass`. */
export type AdminAction = 'Allow' | 'Deny' | 'Pass';

/** A (Baseline)AdminNetworkPolicy rule: the first matching rule of the highest-precedence policy decides. */
export interface AdminRule {
  readonly name: string;
  readonly action: AdminAction;
  readonly peers: readonly Peer[];
  readonly ports: PortsSpec;
}

/** The pods a (Baseline)AdminNetworkPolicy applies to. */
export type AdminSubject =
  | { readonly kind: 'namespaces'; readonly namespaces: LabelSelector }
  | { readonly kind: 'pods'; readonly namespaces: LabelSelector; readonly pods: LabelSelector };

/** A validated AdminNetworkPolicy (priority set) or BaselineAdminNetworkPolicy (no priority). */
export interface AdminPolicyInfo {
  readonly ref: PolicyRef & { readonly kind: 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy' };
  /** 0-1000, lower wins; absent for the baseline policy. */
  readonly priority?: number;
  readonly subject: AdminSubject;
  readonly ingress: readonly AdminRule[];
  readonly egress: readonly AdminRule[];
  readonly source: string;
}

/** Something the loader skipped or could not use, with where it was. Notes never stop an analysis. */
export interface Note {
  readonly file: string;
  readonly message: string;
}

/** Everything an analysis needs. Immutable: the plan API derives new inventories instead of editing one. */
export interface Inventory {
  readonly namespaces: ReadonlyMap<string, NamespaceInfo>;
  readonly pods: readonly PodInfo[];
  readonly networkPolicies: readonly NetworkPolicyInfo[];
  /** Sorted by priority. */
  readonly adminNetworkPolicies: readonly AdminPolicyInfo[];
  readonly baselineAdminNetworkPolicy?: AdminPolicyInfo;
  readonly notes: readonly Note[];
}

/** A pod reference as a user writes it. */
export interface PodRef {
  readonly namespace: string;
  readonly name: string;
}
