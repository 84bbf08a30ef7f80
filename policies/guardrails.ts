/** Guardrails: where Airlock may not act without an explicit, recorded reason, and how wide one action may reach. */
import { DEFAULT_PROTECTED_NAMESPACES, defineGuardrails } from '../src';

export default defineGuardrails({
  protectedNamespaces: [...DEFAULT_PROTECTED_NAMESPACES],
  blastRadiusLimit: 50,
});
