/**
 * The refusal raised when an incident asks for evidence capture that the settings cannot provide: a named
 * destination that `policies/settings.ts` does not declare. Synthesis stops with the incident file and field,
 * like any validation problem, rather than send evidence somewhere nobody chose.
 */
import { ValidationError, type Problem } from '../../errors';

/** An evidence action the settings cannot serve; nothing is written. */
export class EvidenceSettingsError extends ValidationError {
  constructor(problems: readonly Problem[]) {
    super(problems);
  }
}
