/**
 * The organisation's response playbooks. Incidents spread them into their actions:
 * `actions: [...cryptominer({ namespace: 'payments', pod: 'checkout-7d9f8c-x2x4k', image: 'ghcr.io/acme/checkout@sha256:…' })]`.
 * `airlock new --playbook NAME` and the alert intake use the same functions, by their export name.
 */
import { blockImages, captureEvidence, definePlaybook, isolate, restrictEgress, type Action, type PlaybookTarget } from '../src';

function isolateTarget(t: PlaybookTarget, dns: 'none' | 'cluster'): Action {
  return t.pod !== undefined ? isolate({ namespace: t.namespace, pod: t.pod, dns }) : isolate({ namespace: t.namespace, selector: t.selector ?? {}, dns });
}

/**
 * Evidence of a suspect pod (a workload has no single pod to capture): spec, status, image digests, logs,
 * events, and its processes and sockets. It comes last in the list so that adding it to a playbook does not
 * renumber — and so rename — the containment of incidents that already use the playbook; its capture Job
 * still runs before the containment is applied (an Argo CD PreSync hook).
 */
function captureTarget(t: PlaybookTarget): Action[] {
  return t.pod !== undefined ? [captureEvidence({ namespace: t.namespace, pod: t.pod, connections: true, ...(t.volumes?.length ? { volumes: t.volumes } : {}) })] : [];
}

/** A suspect pod: keep its evidence, cut it off, keep DNS so the workload's own health checks keep explaining what they see. */
export const isolatePod = definePlaybook({
  name: 'isolatePod',
  description: 'capture evidence, then isolate a pod (or workload): ingress and egress denied except cluster DNS',
  actions: (t) => [isolateTarget(t, 'cluster'), ...captureTarget(t)],
});

/**
 * A cryptominer: keep its evidence (the pool connections in its socket table are the proof), isolate without
 * DNS (mining pools are found by name, and DNS is a channel out), and block the image so the ReplicaSet's
 * replacement or a `kubectl debug` cannot bring it back.
 */
export const cryptominer = definePlaybook({
  name: 'cryptominer',
  description: 'capture evidence, isolate with no DNS and block the image at admission',
  blocksImage: true,
  actions: (t) => [
    isolateTarget(t, 'none'),
    ...(t.image ? [blockImages({ images: [t.image], reason: 'cryptominer found in this image' })] : []),
    ...captureTarget(t),
  ],
});

/**
 * Data exfiltration: cut every egress path, DNS included (it tunnels), while ingress keeps serving so the
 * service and the attacker's session are not tipped off.
 */
export const exfiltration = definePlaybook({
  name: 'exfiltration',
  description: 'cut all egress including DNS; ingress untouched',
  actions: (t) => [
    t.pod !== undefined
      ? restrictEgress({ namespace: t.namespace, pod: t.pod, allow: [], dns: 'none' })
      : restrictEgress({ namespace: t.namespace, selector: t.selector ?? {}, allow: [], dns: 'none' }),
  ],
});
