/**
 * The refusal a backend raises when a declared containment cannot be expressed exactly with its objects. A
 * containment that silently allowed more than declared would leave the attacker a way out; one that allowed
 * less would cut traffic the responder chose to keep (monitoring, a database). Either is worse than stopping
 * synthesis with the incident file, the field and the backends that can express it.
 */
import { ValidationError, type Problem } from '../../errors';
import type { EnforcementBackend } from '../../settings/settings';

/** A declared action the configured backend cannot enforce exactly; nothing is written. */
export class BackendRefusalError extends ValidationError {
  constructor(
    /** The backend that refused. */
    readonly backend: EnforcementBackend,
    problems: readonly Problem[],
  ) {
    super(problems);
  }
}

/** One problem of a refusal: what cannot be expressed, and what would be accepted instead. */
export function refusal(file: string, field: string, backend: EnforcementBackend, why: string, hint: string): Problem {
  return { file, field, message: `cannot be enforced exactly by the ${backend} backend: ${why}`, hint };
}
