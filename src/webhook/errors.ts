/** Errors the webhook reports to its operator (the CLI prints them once, with their exit code). */
import { AirlockError, ExitCode } from '../errors';

/** The blocklists in `dist/` could not be read: a file that does not parse, or a ConfigMap that is not a blocklist. */
export class BlocklistLoadError extends AirlockError {
  constructor(
    /** File the problem is in (as given, under the dist folder). */
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`, ExitCode.invalid);
  }
}

/** The server could not start: unreadable key or certificate, a port in use. */
export class WebhookStartError extends AirlockError {
  constructor(message: string) {
    super(message, ExitCode.internal);
  }
}
