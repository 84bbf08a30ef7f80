/**
 * Errors of the GitOps delivery layer. A bad bootstrap or notification option is a usage problem, raised before
 * anything is written or sent. A controller that could not be told to reconcile is not an error here: the push
 * already happened, so `notifyControllers` reports it as a result and the caller decides.
 */
import { AirlockError, ExitCode } from '../errors';

/**
 * A bootstrap or notification option cannot work (a repository URL Flux would refuse, a path outside the
 * repository, a secret variable that is empty). Raised before anything is written or sent, so the responder
 * fixes one flag instead of debugging a controller.
 */
export class GitopsConfigError extends AirlockError {
  constructor(
    /** The option or settings field at fault, e.g. `--repo` or `gitops.flux.receiverUrl`. */
    readonly field: string,
    /** What is wrong with it. */
    readonly detail: string,
    /** What would be accepted. */
    readonly hint: string,
  ) {
    super(`${field}: ${detail}\n  accepted: ${hint}`, ExitCode.usage);
  }
}
