/**
 * Errors of the Kubernetes API layer. Each carries what a responder needs to act at 3 a.m.: which request,
 * what the API server answered, and whether anything was changed (never, when these are thrown).
 */
import { AirlockError, ExitCode } from '../errors';

/** The API server answered with an error status, or could not be reached; nothing was changed. */
export class KubernetesApiError extends AirlockError {
  constructor(
    message: string,
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    /** The Status `reason` (e.g. `NotFound`, `Conflict`, `Forbidden`), when the server gave one. */
    readonly reason?: string,
  ) {
    super(message, ExitCode.invalid);
  }
}

/** The kubeconfig is missing, malformed, or asks for an authentication Airlock does not implement. */
export class KubeconfigError extends AirlockError {
  constructor(
    message: string,
    /** The kubeconfig file (or files) read. */
    readonly file: string,
  ) {
    super(`${file}: ${message}`, ExitCode.invalid);
  }
}

/** The pod cannot be labelled or detached as asked (another incident holds it, its owner cannot release it...). */
export class LabelRefusedError extends AirlockError {
  constructor(message: string) {
    super(message, ExitCode.invalid);
  }
}
