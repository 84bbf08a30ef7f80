/**
 * The container hardening the `restricted` Pod Security Standard asks for, plus a read-only root filesystem:
 * non-root, no privilege escalation, no capabilities, the runtime's default seccomp profile. One definition for
 * every container Airlock writes (the admission webhook, the evidence Jobs, the probe's canary).
 */
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';

/** A fresh copy each call, so a caller can never change another's. */
export function restrictedContainerSecurityContext(): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
