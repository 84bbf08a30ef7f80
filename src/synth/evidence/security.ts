/**
 * Security contexts of the capture and probe Jobs and of the canary. They hold the forensic toolbox, which must
 * never be the weakest thing in a cluster under attack: non-root, no capabilities, no privilege escalation,
 * read-only root filesystem, the runtime's default seccomp profile — what the `restricted` Pod Security
 * Standard admits, so the canary runs in a contained namespace that enforces it.
 */

/** UID and GID the toolbox runs as (the distroless `nonroot` user). */
export const TOOLBOX_UID = 65532;

/** Pod-level context; `fsGroup` makes a mounted evidence claim writable by the toolbox user. */
export function podSecurityContext(options: { readonly fsGroup?: boolean } = {}): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: TOOLBOX_UID,
    runAsGroup: TOOLBOX_UID,
    ...(options.fsGroup ? { fsGroup: TOOLBOX_UID } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level context: the one every Airlock container gets. */
export { restrictedContainerSecurityContext as containerSecurityContext } from '../../kubernetes/pod-security';
