/** Errors of the alert intake that stop it from starting; each names what to fix. */
import { AirlockError, ExitCode } from '../errors';

/** The server cannot start: unusable TLS material, a port in use, a secret that is missing or too short. */
export class IntakeStartError extends AirlockError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}
