/**
 * The git delivery layer: Airlock's channel to the clusters (a commit GitOps reconciles) and its audit log (the
 * commits' trailers). The CLI's `propose`, `lift`, `expire` and `audit` are built on these functions.
 */
export { auditLog, type AuditEntry, type AuditOptions, type SignatureStatus } from './audit';
export { backoffDelay, retryPolicy, type RetryOptions, type RetryPolicy } from './backoff';
export {
  ConcurrentEditError,
  ForgeConfigError,
  ForgeRequestError,
  GitDeliveryError,
  PushRejectedError,
  TrailerError,
} from './errors';
export {
  apiBaseUrl,
  openOrUpdateChangeRequest,
  readForgeToken,
  type ChangeRequest,
  type ChangeRequestInput,
  type ForgeCallOptions,
  type ForgeConfig,
  type GitHubForgeConfig,
  type GitLabForgeConfig,
} from './forge';
export type { LocalSync } from './local-sync';
export { formatCommitMessage, type CommitMessage } from './message';
export { isValidBranchName, normalizeChangePaths } from './names';
export {
  proposeChange,
  proposeChanges,
  type Change,
  type ChangeResult,
  type Identity,
  type ProposeChangesOptions,
  type ProposeEvent,
  type ProposeMode,
  type ProposeOptions,
  type ProposeResult,
} from './repository';
export {
  AIRLOCK_ACTIONS,
  checkTrailerValue,
  foldTrailerValue,
  formatTrailers,
  isAirlockAction,
  parseTrailerLines,
  parseTrailers,
  readAirlockTrailers,
  TrailerKey,
  type AirlockAction,
  type ParsedAirlockTrailers,
  type TrailerLine,
  type Trailers,
} from './trailers';
