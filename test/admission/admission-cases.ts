/**
 * The admission objects every blocking mode is held to: the ValidatingAdmissionPolicy CEL (vap-cel.test.ts),
 * the webhook's decision (test/webhook) and, through the same CEL, Kyverno. Each case says what Kubernetes
 * would send and whether the request must be denied.
 */
import type { Incident } from '../../src/incident/types';

type Json = Record<string, unknown>;

/** One admission request and the expected outcome. */
export interface AdmissionCase {
  readonly name: string;
  readonly operation: 'CREATE' | 'UPDATE';
  readonly namespace: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly resource: string;
  readonly subResource?: string;
  readonly object: Json;
  readonly oldObject?: Json | null;
  /** Which incident sets are declared: `none` (no blocklist at all) or `both` (INC-1 and INC-2). */
  readonly incidents: 'none' | 'both';
  /** `deny` with the incident expected in the message, or `allow`. */
  readonly expect: { readonly deny: false } | { readonly deny: true; readonly incident: string; readonly message?: RegExp };
  /** The binding's namespace selector leaves this request out (the webhook never sees it). */
  readonly protectedNamespace?: boolean;
}

const D_API = 'a'.repeat(64);
const D_QUAY = 'b'.repeat(64);
const D_OTHER = 'c'.repeat(64);
const D_SHA512 = 'e'.repeat(128);
export const DIGESTS = { api: D_API, quay: D_QUAY, other: D_OTHER, sha512: D_SHA512 };

/** The two incidents the cases run against. */
export const INCIDENTS: ReadonlyArray<Pick<Incident, 'id' | 'slug' | 'actions'>> = [
  {
    id: 'INC-1',
    slug: 'inc-1',
    actions: [
      {
        kind: 'blockImages',
        reason: 'backdoored build',
        images: [
          `ghcr.io/acme/api@sha256:${D_API}`,
          'nginx:1.25',
          'evil.example.com:5000/miner',
          'localhost:5000/tools/debug',
          `quay.io/bad/thing:v1@sha256:${D_QUAY}`,
          '[fd00::1]:5000/secret/tool',
          `registry.example.com/app@sha512:${D_SHA512}`,
        ],
      },
    ],
  },
  {
    id: 'INC-2',
    slug: 'inc-2',
    actions: [
      { kind: 'blockImages', reason: 'cryptominer', images: ['docker.io/library/busybox', 'library/redis:latest'] },
      { kind: 'blockImages', reason: 'typosquat', images: ['index.docker.io/alpine:3.19'] },
    ],
  },
];

const meta = (name: string, namespace: string): Json => ({ name, namespace });
const c = (image: string | undefined, name = 'app'): Json => (image === undefined ? { name } : { name, image });

/** A pod spec with the given images in each container list. */
export function spec(containers: readonly (string | undefined)[], init: readonly string[] = [], ephemeral: readonly string[] = []): Json {
  return {
    containers: containers.map((i, n) => c(i, `c${n}`)),
    ...(init.length ? { initContainers: init.map((i, n) => c(i, `i${n}`)) } : {}),
    ...(ephemeral.length ? { ephemeralContainers: ephemeral.map((i, n) => c(i, `e${n}`)) } : {}),
  };
}
const pod = (podSpec: Json, namespace = 'shop'): Json => ({ apiVersion: 'v1', kind: 'Pod', metadata: meta('p', namespace), spec: podSpec });
const template = (podSpec: Json): Json => ({ metadata: { labels: { app: 'x' } }, spec: podSpec });
const workload = (apiVersion: string, kind: string, podSpec: Json, extra: Json = {}): Json => ({
  apiVersion,
  kind,
  metadata: meta('w', 'shop'),
  spec: { selector: { matchLabels: { app: 'x' } }, template: template(podSpec), ...extra },
});

function podCase(name: string, images: string[], expect: AdmissionCase['expect'], incidents: AdmissionCase['incidents'] = 'both'): AdmissionCase {
  return { name, operation: 'CREATE', namespace: 'shop', group: '', version: 'v1', kind: 'Pod', resource: 'pods', object: pod(spec(images)), incidents, expect };
}
const allow = { deny: false } as const;
const deny = (incident: string, message?: RegExp) => ({ deny: true, incident, ...(message ? { message } : {}) }) as const;

export const CASES: readonly AdmissionCase[] = [
  // No incident at all: everything is allowed.
  podCase('no incidents: an image that would be blocked is allowed', ['nginx:1.25'], allow, 'none'),
  podCase('no incidents: a plain pod is allowed', ['ghcr.io/acme/web:1'], allow, 'none'),
  // Tag entries and normalisation of Docker Hub names.
  podCase('tag entry denies the same repo:tag', ['nginx:1.25'], deny('INC-1', /^image nginx:1\.25 is blocked by incident INC-1: backdoored build$/)),
  podCase('tag entry allows another tag', ['nginx:1.26'], allow),
  podCase('tag entry denies docker.io/library/ spelling', ['docker.io/library/nginx:1.25'], deny('INC-1')),
  podCase('tag entry denies docker.io/ without library/', ['docker.io/nginx:1.25'], deny('INC-1')),
  podCase('tag entry denies legacy index.docker.io spelling', ['index.docker.io/library/nginx:1.25'], deny('INC-1')),
  podCase('tag entry denies repo:tag@digest naming the tag', [`nginx:1.25@sha256:${D_OTHER}`], deny('INC-1')),
  podCase('tag entry allows the repo pinned by digest alone', [`nginx@sha256:${D_OTHER}`], allow),
  podCase('tag entry does not match a user repository of the same name', ['someone/nginx:1.25'], allow),
  podCase('tag entry does not match the same path on another registry', ['mirror.example.com/library/nginx:1.25'], allow),
  podCase('latest entry denies an image with no tag (implicit latest)', ['redis'], deny('INC-2', /cryptominer/)),
  podCase('latest entry denies explicit :latest', ['docker.io/library/redis:latest'], deny('INC-2')),
  podCase('latest entry allows another tag', ['redis:7'], allow),
  podCase('entry written with index.docker.io denies the short name', ['alpine:3.19'], deny('INC-2', /typosquat/)),
  // Digest entries.
  podCase('digest entry denies repo@digest', [`ghcr.io/acme/api@sha256:${D_API}`], deny('INC-1')),
  podCase('digest entry denies repo:tag@digest', [`ghcr.io/acme/api:v2@sha256:${D_API}`], deny('INC-1')),
  podCase('digest entry denies the same digest pulled from a mirror', [`mirror.example.com/acme/api@sha256:${D_API}`], deny('INC-1')),
  podCase('digest entry allows the repository by tag', ['ghcr.io/acme/api:v2'], allow),
  podCase('digest entry allows another digest', [`ghcr.io/acme/api@sha256:${D_OTHER}`], allow),
  podCase('digest of a repo:tag@digest entry denies by digest alone', [`quay.io/bad/thing@sha256:${D_QUAY}`], deny('INC-1')),
  podCase('digest of a repo:tag@digest entry does not block its tag', ['quay.io/bad/thing:v1'], allow),
  podCase('sha512 digest entry denies', [`registry.example.com/app@sha512:${D_SHA512}`], deny('INC-1')),
  // Repository entries, registry hosts and ports.
  podCase('repository entry with port denies any tag', ['evil.example.com:5000/miner:v9'], deny('INC-1')),
  podCase('repository entry with port denies no tag', ['evil.example.com:5000/miner'], deny('INC-1')),
  podCase('repository entry with port denies by digest', [`evil.example.com:5000/miner@sha256:${D_OTHER}`], deny('INC-1')),
  podCase('repository entry does not match the host without the port', ['evil.example.com/miner:v9'], allow),
  podCase('repository entry does not match a longer name', ['evil.example.com:5000/miner-helper:v9'], allow),
  podCase('repository entry does not match a sub-repository', ['evil.example.com:5000/miner/sub:v9'], allow),
  podCase('localhost registry with port is a host', ['localhost:5000/tools/debug:1'], deny('INC-1')),
  podCase('IPv6 registry with port is a host', ['[fd00::1]:5000/secret/tool:2'], deny('INC-1')),
  podCase('Docker Hub repository entry denies the short name', ['busybox:1.36'], deny('INC-2', /cryptominer/)),
  podCase('Docker Hub repository entry denies library/ spelling', ['library/busybox'], deny('INC-2')),
  podCase('Docker Hub repository entry allows a user repository', ['someone/busybox:1.36'], allow),
  podCase('localhost without the port is another registry', ['localhost/tools/debug:1'], allow),
  podCase('a first component without . or : stays on Docker Hub', ['tools/debug:1'], allow),
  // Messages.
  podCase('message counts further blocked images', ['nginx:1.25', 'evil.example.com:5000/miner', 'ghcr.io/acme/web:1'], deny('INC-1', /^image nginx:1\.25 \(and 1 more\) is blocked by incident INC-1: backdoored build$/)),
  podCase('images blocked by two incidents are denied by both', ['nginx:1.25', 'busybox'], deny('INC-1')),
  // Container lists.
  {
    name: 'initContainers are checked',
    operation: 'CREATE', namespace: 'shop', group: '', version: 'v1', kind: 'Pod', resource: 'pods',
    object: pod(spec(['ghcr.io/acme/web:1'], ['busybox:1.36'])), incidents: 'both', expect: deny('INC-2'),
  },
  {
    name: 'ephemeralContainers of a pod are checked',
    operation: 'CREATE', namespace: 'shop', group: '', version: 'v1', kind: 'Pod', resource: 'pods',
    object: pod(spec(['ghcr.io/acme/web:1'], [], ['nginx:1.25'])), incidents: 'both', expect: deny('INC-1'),
  },
  {
    name: 'kubectl debug adding a blocked ephemeral container is denied',
    operation: 'UPDATE', namespace: 'shop', group: '', version: 'v1', kind: 'Pod', resource: 'pods', subResource: 'ephemeralcontainers',
    object: pod(spec(['ghcr.io/acme/web:1'], [], ['busybox'])), oldObject: pod(spec(['ghcr.io/acme/web:1'])),
    incidents: 'both', expect: deny('INC-2'),
  },
  {
    name: 'kubectl debug with an allowed image is allowed',
    operation: 'UPDATE', namespace: 'shop', group: '', version: 'v1', kind: 'Pod', resource: 'pods', subResource: 'ephemeralcontainers',
    object: pod(spec(['ghcr.io/acme/web:1'], [], ['ghcr.io/acme/toolbox:1'])), oldObject: pod(spec(['ghcr.io/acme/web:1'])),
    incidents: 'both', expect: allow,
  },
  {
    name: 'labelling a running pod with a blocked image is allowed (quarantine label)',
    operation: 'UPDATE', namespace: 'shop', group: '', version: 'v1', kind: 'Pod', resource: 'pods',
    object: { ...pod(spec(['nginx:1.25'])), metadata: { name: 'p', namespace: 'shop', labels: { 'airlock.dev/quarantine': 'INC-1' } } },
    oldObject: pod(spec(['nginx:1.25'])), incidents: 'both', expect: allow,
  },
  {
    name: 'changing a pod image to a blocked one is denied',
    operation: 'UPDATE', namespace: 'shop', group: '', version: 'v1', kind: 'Pod', resource: 'pods',
    object: pod(spec(['nginx:1.25'])), oldObject: pod(spec(['nginx:1.26'])), incidents: 'both', expect: deny('INC-1'),
  },
  // Workloads.
  {
    name: 'Deployment pod template is checked',
    operation: 'CREATE', namespace: 'shop', group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments',
    object: workload('apps/v1', 'Deployment', spec(['nginx:1.25'])), incidents: 'both', expect: deny('INC-1'),
  },
  {
    name: 'Deployment with allowed images is allowed',
    operation: 'CREATE', namespace: 'shop', group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments',
    object: workload('apps/v1', 'Deployment', spec(['nginx:1.26'], ['ghcr.io/acme/migrate:3'])), incidents: 'both', expect: allow,
  },
  {
    name: 'scaling down a Deployment that runs a blocked image is allowed',
    operation: 'UPDATE', namespace: 'shop', group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments',
    object: workload('apps/v1', 'Deployment', spec(['nginx:1.25']), { replicas: 0 }),
    oldObject: workload('apps/v1', 'Deployment', spec(['nginx:1.25']), { replicas: 3 }), incidents: 'both', expect: allow,
  },
  {
    name: 'Deployment container without an image (left to a mutating webhook) is allowed',
    operation: 'CREATE', namespace: 'shop', group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments',
    object: workload('apps/v1', 'Deployment', spec([undefined])), incidents: 'both', expect: allow,
  },
  {
    name: 'ReplicaSet pod template is checked',
    operation: 'CREATE', namespace: 'shop', group: 'apps', version: 'v1', kind: 'ReplicaSet', resource: 'replicasets',
    object: workload('apps/v1', 'ReplicaSet', spec([`ghcr.io/acme/api@sha256:${D_API}`])), incidents: 'both', expect: deny('INC-1'),
  },
  {
    name: 'StatefulSet initContainers are checked',
    operation: 'CREATE', namespace: 'shop', group: 'apps', version: 'v1', kind: 'StatefulSet', resource: 'statefulsets',
    object: workload('apps/v1', 'StatefulSet', spec(['ghcr.io/acme/db:1'], ['redis']), { serviceName: 'db' }), incidents: 'both', expect: deny('INC-2'),
  },
  {
    name: 'DaemonSet pod template is checked',
    operation: 'CREATE', namespace: 'shop', group: 'apps', version: 'v1', kind: 'DaemonSet', resource: 'daemonsets',
    object: workload('apps/v1', 'DaemonSet', spec(['evil.example.com:5000/miner:latest'])), incidents: 'both', expect: deny('INC-1'),
  },
  {
    name: 'ReplicationController pod template is checked',
    operation: 'CREATE', namespace: 'shop', group: '', version: 'v1', kind: 'ReplicationController', resource: 'replicationcontrollers',
    object: { apiVersion: 'v1', kind: 'ReplicationController', metadata: meta('rc', 'shop'), spec: { selector: { app: 'x' }, template: template(spec(['busybox'])) } },
    incidents: 'both', expect: deny('INC-2'),
  },
  {
    name: 'Job pod template is checked',
    operation: 'CREATE', namespace: 'shop', group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs',
    object: { apiVersion: 'batch/v1', kind: 'Job', metadata: meta('j', 'shop'), spec: { template: template(spec(['alpine:3.19'])) } },
    incidents: 'both', expect: deny('INC-2'),
  },
  {
    name: 'CronJob job template is checked',
    operation: 'CREATE', namespace: 'shop', group: 'batch', version: 'v1', kind: 'CronJob', resource: 'cronjobs',
    object: {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta('cj', 'shop'),
      spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: template(spec(['ghcr.io/acme/web:1'], ['localhost:5000/tools/debug'])) } } },
    },
    incidents: 'both', expect: deny('INC-1'),
  },
  {
    name: 'CronJob with allowed images is allowed',
    operation: 'CREATE', namespace: 'shop', group: 'batch', version: 'v1', kind: 'CronJob', resource: 'cronjobs',
    object: {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta('cj', 'shop'),
      spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: template(spec(['ghcr.io/acme/web:1'])) } } },
    },
    incidents: 'both', expect: allow,
  },
  // Scope.
  {
    name: 'protected namespace is not checked',
    operation: 'CREATE', namespace: 'kube-system', group: '', version: 'v1', kind: 'Pod', resource: 'pods',
    object: pod(spec(['nginx:1.25']), 'kube-system'), incidents: 'both', expect: allow, protectedNamespace: true,
  },
];
