/**
 * Errors of the git delivery layer. Each names the operation that failed and carries a hint a responder can act
 * on in the middle of an incident. None of them ever contains a forge token (see {@link redact}).
 */
import { AirlockError, ExitCode } from '../errors';

/**
 * A git or forge operation failed. The message already ends with the hint so the CLI prints it once, as is;
 * `operation` and `hint` are kept apart for `--json` output.
 */
export class GitDeliveryError extends AirlockError {
  constructor(
    /** What was being done, e.g. `push airlock/inc-1 to origin`. */
    readonly operation: string,
    /** What went wrong (git's own words where useful). */
    readonly detail: string,
    /** What the responder can do about it. */
    readonly hint: string,
  ) {
    super(`${operation} failed: ${detail}\n  hint: ${hint}`, ExitCode.git);
  }
}

/**
 * Staging the change's files failed: `reason` in git's words (or, for files hashed in memory, in the words `git
 * add` would use), with the .gitignore hint when a path is ignored.
 */
export function stagingError(paths: readonly string[], reason: string): GitDeliveryError {
  return new GitDeliveryError(
    `stage ${paths.join(', ')}`,
    reason,
    /ignored/i.test(reason) ? 'a path of the change is listed in .gitignore; un-ignore it so the manifests can be committed' : 'check that the files are readable',
  );
}

/**
 * Every push attempt was rejected because the remote kept moving. Nothing was force-pushed: whatever the others
 * pushed is intact, and the change is still in the working tree, ready to propose again.
 */
export class PushRejectedError extends GitDeliveryError {
  constructor(
    readonly remote: string,
    readonly branch: string,
    /** How many pushes were tried. */
    readonly attempts: number,
    /** Git's reason for the last rejection, e.g. `non-fast-forward`. */
    readonly reason: string,
  ) {
    super(
      `push to ${remote}/${branch}`,
      `rejected ${attempts} time${attempts === 1 ? '' : 's'} (last: ${reason}); nothing was force-pushed`,
      `others are pushing to ${remote}/${branch} right now; run the command again, or raise the retry attempts`,
    );
  }
}

/**
 * While we were retrying, someone else changed the same files of this change to something different from ours.
 * A rebase would stop on this conflict too; Airlock refuses rather than silently overwrite their containment.
 */
export class ConcurrentEditError extends GitDeliveryError {
  constructor(
    readonly remote: string,
    readonly branch: string,
    /** Repository-relative files both sides changed differently. */
    readonly files: readonly string[],
  ) {
    super(
      `rebase onto ${remote}/${branch}`,
      `another change to ${files.slice(0, 5).join(', ')}${files.length > 5 ? ` and ${files.length - 5} more` : ''} landed meanwhile`,
      `fetch ${remote}/${branch}, review their change to this incident, reconcile it in your working tree and propose again`,
    );
  }
}

/** A forge (GitHub, GitLab) request failed. Names the status and the endpoint, never the token. */
export class ForgeRequestError extends GitDeliveryError {
  constructor(
    readonly method: string,
    /** Full URL of the endpoint (tokens never travel in URLs here). */
    readonly endpoint: string,
    /** HTTP status, or undefined when the server could not be reached. */
    readonly status: number | undefined,
    detail: string,
    hint: string,
  ) {
    super(`${method} ${endpoint}`, status === undefined ? detail : `HTTP ${status}${detail ? `: ${detail}` : ''}`, hint);
  }
}

/** The forge configuration cannot work: no token in the named variable, a malformed base URL or label. */
export class ForgeConfigError extends GitDeliveryError {
  constructor(detail: string, hint: string) {
    super('forge configuration', detail, hint);
  }
}

/**
 * A trailer or commit message value would corrupt the trailer block (a newline could smuggle in a second
 * `Airlock-Action:`), so nothing was committed. It is bad input, hence `ExitCode.invalid`.
 */
export class TrailerError extends AirlockError {
  constructor(
    /** Trailer key or message part, e.g. `Airlock-Break-Glass` or `subject`. */
    readonly field: string,
    readonly problem: string,
    readonly hint: string,
  ) {
    super(`${field}: ${problem}\n  accepted: ${hint}`, ExitCode.invalid);
  }
}

/** Replaces every occurrence of each secret with `***`, for text that came from outside (server replies). */
export function redact(text: string, ...secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('***');
  return out;
}
