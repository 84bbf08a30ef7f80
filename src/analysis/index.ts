/**
 * Policy analysis: load an inventory, evaluate NetworkPolicy / AdminNetworkPolicy / BaselineAdminNetworkPolicy
 * semantics, and answer "what may flow", cluster-wide or for chosen pods before and after a change.
 * Analysis reads manifests and writes nothing.
 */
export { ConnectionSet, PortSet, parseConnectionText, PROTOCOLS, type Protocol } from './ports';
export { IpSet, ipAtoms, parseCidr, formatRange, type IpFamily, type IpRange } from './ipset';
export { matchesSelector, parseLabelSelector, type LabelSelector, type Labels } from './selectors';
export * from './model';
export {
  buildInventory,
  EMPTY_INVENTORY,
  findPod,
  loadInventory,
  parseManifestText,
  readManifests,
  withManifests,
  withPodLabels,
  type ManifestRead,
  type SourcedObject,
} from './inventory';
export {
  PolicyEngine,
  type ConnectionVerdict,
  type Direction,
  type DirectionVerdict,
  type Endpoint,
  type EngineOptions,
  type VerdictPart,
  type VerdictSource,
} from './engine';
export { workloadKey, type PodClass, type Universe } from './universe';
export { connectionList, formatConnlistJson, formatConnlistText, type ConnlistEntry, type ConnlistOptions } from './connlist';
export {
  compareReachability,
  compareReachabilityOf,
  describeVerdictSource,
  podReachability,
  podsSelectedBy,
  reachVector,
  type Attribution,
  type PodReachabilityChange,
  type PolicySide,
  type ReachChange,
  type ReachEntry,
  type ReachPeer,
  type ReachVector,
} from './reachability';
export {
  describeAction,
  groupResidual,
  planExitCode,
  planIncident,
  type ActionPlan,
  type AdmissionActionPlan,
  type BlastRadiusEntry,
  type FindingCode,
  type IncidentPlan,
  type NetworkActionPlan,
  type PlanFinding,
  type PlanInput,
  type PlanTarget,
  type ResidualEntry,
  type ResidualGroup,
} from './plan';
export { formatPlanJson, planToJson, type ActionPlanJson, type ResidualJson } from './plan-json';
export { formatPlanMarkdown, type MarkdownOptions } from './plan-markdown';
export { formatPlanText, type TextOptions } from './plan-text';
export { escapeMarkdown, markdownCode, mermaidLabel, terminalText } from './plan-escape';
