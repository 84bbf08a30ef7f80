/**
 * Container image references, parsed and normalised with the rules of the distribution/reference grammar
 * (the one Docker, containerd and the kubelet use), so that `nginx`, `docker.io/nginx` and
 * `index.docker.io/library/nginx:latest` are recognised as the same image when a blocklist is matched.
 *
 * Two entry points, for two kinds of input:
 * - {@link parseImageReference} is strict: it validates what a responder writes in `blockImages.images[]` and
 *   says what would be accepted.
 * - {@link normaliseImage} is lenient: it normalises whatever string a Pod carries, exactly as the generated
 *   ValidatingAdmissionPolicy CEL does (no validation, never fails), so the webhook and the policy decide alike.
 */

/**
 * How precisely a blocklist entry names an image, strongest first.
 * - `digest`: one immutable manifest; cannot be sidestepped by re-tagging.
 * - `tag`: whatever the tag points to at pull time; an attacker who can push can move it, and the same
 *   bytes under another tag or by digest pass.
 * - `repository`: every tag and digest of a repository; the same bytes pushed to another repository pass.
 */
export type ReferenceStrength = 'digest' | 'tag' | 'repository';

/** Fields every parsed reference has. */
interface ImageReferenceBase {
  /** Registry host, with its port if any: `docker.io`, `ghcr.io`, `localhost:5000`, `[::1]:5000`. */
  readonly registry: string;
  /** Path inside the registry, with `library/` added for single-component Docker Hub names. */
  readonly path: string;
  /** Fully qualified repository name: `registry/path`, e.g. `docker.io/library/nginx`. */
  readonly repository: string;
  /** `repository[:tag][@digest]`: the one spelling every equivalent input is reduced to. */
  readonly canonical: string;
}

/** `repo@digest` or `repo:tag@digest`: the digest decides, the tag is only informative (as at pull time). */
export interface DigestReference extends ImageReferenceBase {
  readonly strength: 'digest';
  /** `algorithm:hex`, e.g. `sha256:` and 64 lower-case hex digits. */
  readonly digest: string;
  readonly tag?: string;
}

/** `repo:tag`, written with an explicit tag. */
export interface TagReference extends ImageReferenceBase {
  readonly strength: 'tag';
  readonly tag: string;
  readonly digest?: never;
}

/** A bare repository: matches any tag or digest of it. */
export interface RepositoryReference extends ImageReferenceBase {
  readonly strength: 'repository';
  readonly tag?: never;
  readonly digest?: never;
}

/** A valid, normalised image reference; `strength` says which of tag and digest it carries. */
export type ImageReference = DigestReference | TagReference | RepositoryReference;

/** Result of {@link parseImageReference}: the reference, or why it was refused and what would be accepted. */
export type ImageReferenceResult =
  | { readonly ok: true; readonly value: ImageReference }
  | { readonly ok: false; readonly error: string; readonly hint: string };

/** What any image string normalises to, valid or not; the same fields the admission CEL computes. */
export interface NormalisedImage {
  /** The string as written. */
  readonly image: string;
  /** `registry/path`, with docker.io and `library/` made explicit. */
  readonly repository: string;
  /** Tag as written; empty when none was written. */
  readonly tag: string;
  /** Digest as written after `@`; empty when none. */
  readonly digest: string;
}

/** Registry assumed when a name has no host, as Docker and the kubelet do. */
export const DEFAULT_REGISTRY = 'docker.io';
/** Legacy spelling of Docker Hub that the grammar folds into {@link DEFAULT_REGISTRY}. */
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';
/** Namespace of Docker Hub's official images, implied for single-component names there. */
const OFFICIAL_NAMESPACE = 'library';
/** Tag the runtime pulls when an image names neither tag nor digest. */
export const IMPLICIT_TAG = 'latest';
/** Longest repository name (registry and path) that the grammar accepts. */
const NAME_TOTAL_LENGTH_MAX = 255;

/** What `parseImageReference` accepts, for error hints. */
export const IMAGE_REFERENCE_HINT =
  'an image reference: "registry/repo@sha256:<64 hex>" (strongest), "repo:tag@sha256:<64 hex>", ' +
  '"repo:tag" or "repo" (any tag or digest), e.g. "ghcr.io/acme/api@sha256:9f86…", "nginx:1.25", "docker.io/library/nginx"';

// distribution/reference regexp.go, transcribed.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainNameComponent}(?:\\.${domainNameComponent})*|${ipv6Address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const PATH_RE = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const DOMAIN_RE = new RegExp(`^${domainAndPort}$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;
/** Digest algorithms go-digest knows, with the length of their lower-case hex encoding. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** ASCII-only lower-casing, as CEL's `lowerAscii()` does (so both sides agree on non-ASCII input). */
function lowerAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * Whether the first path component of a name is a registry host rather than a Docker Hub namespace:
 * it contains `.` or `:`, is `localhost`, or has upper case (the grammar's own test).
 */
function isRegistryHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || lowerAscii(component) !== component;
}

/**
 * Splits and normalises any image string the way the admission CEL does, step for step, and never fails.
 * Invalid strings normalise to something no valid blocklist entry equals, so they pass the blocklist (the
 * kubelet cannot pull them anyway).
 */
export function normaliseImage(image: string): NormalisedImage {
  const at = image.indexOf('@');
  const name = at < 0 ? image : image.substring(0, at);
  const digest = at < 0 ? '' : image.substring(at + 1);
  const hasTag = name.lastIndexOf(':') > name.lastIndexOf('/');
  const path = hasTag ? name.substring(0, name.lastIndexOf(':')) : name;
  const tag = hasTag ? name.substring(name.lastIndexOf(':') + 1) : '';
  const first = path.includes('/') ? path.substring(0, path.indexOf('/')) : '';
  const registryHost = first !== '' && isRegistryHost(first) ? first : '';
  const rest = registryHost === '' ? path : path.substring(registryHost.length + 1);
  const dockerHub = registryHost === '' || registryHost === DEFAULT_REGISTRY || registryHost === LEGACY_DEFAULT_REGISTRY;
  const repository = dockerHub
    ? `${DEFAULT_REGISTRY}/${rest.includes('/') ? rest : `${OFFICIAL_NAMESPACE}/${rest}`}`
    : `${registryHost}/${rest}`;
  return { image, repository, tag, digest };
}

function refuse(error: string): ImageReferenceResult {
  return { ok: false, error, hint: IMAGE_REFERENCE_HINT };
}

/**
 * Parses a blocklist entry strictly (distribution/reference's `ParseNormalizedNamed` rules plus go-digest's
 * digest validation) and normalises it. Errors say which part is wrong; the hint says what is accepted.
 */
export function parseImageReference(ref: string): ImageReferenceResult {
  if (typeof ref !== 'string' || ref === '') return refuse('is empty');
  if (ref !== ref.trim()) return refuse(`"${ref}" has leading or trailing white space`);
  if (IDENTIFIER_RE.test(ref)) {
    return refuse(`"${ref}" is a bare 64-hex identifier, not a repository; write "repo@sha256:${ref}"`);
  }
  if (ref.split('@').length > 2) return refuse(`"${ref}" has more than one "@"`);
  const n = normaliseImage(ref);
  const at = ref.indexOf('@');
  const name = at < 0 ? ref : ref.substring(0, at);
  const namePart = n.tag === '' ? name : name.substring(0, name.length - n.tag.length - 1);
  if (at >= 0) {
    if (!DIGEST_RE.test(n.digest)) {
      return refuse(`"${ref}" has digest "${n.digest}", which is not "algorithm:hex" with at least 32 hex digits`);
    }
    const [algorithm, hex] = n.digest.split(':') as [string, string];
    const length = DIGEST_HEX_LENGTH[algorithm];
    if (length === undefined) {
      return refuse(`"${ref}" uses digest algorithm "${algorithm}"; supported: ${Object.keys(DIGEST_HEX_LENGTH).join(', ')}`);
    }
    if (hex.length !== length || !/^[a-f0-9]+$/.test(hex)) {
      return refuse(`"${ref}" has a ${algorithm} digest of ${hex.length} characters; it must be ${length} lower-case hex digits`);
    }
  }
  if (at >= 0 && name === '') return refuse(`"${ref}" has a digest but no repository`);
  if (name.endsWith(':')) return refuse(`"${ref}" has an empty tag`);
  if (n.tag !== '' && !TAG_RE.test(n.tag)) {
    return refuse(`"${ref}" has tag "${n.tag}"; a tag is up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`);
  }
  const slash = namePart.indexOf('/');
  const first = slash < 0 ? '' : namePart.substring(0, slash);
  const hasHost = first !== '' && isRegistryHost(first);
  const remainder = hasHost ? namePart.substring(slash + 1) : namePart;
  if (hasHost && !DOMAIN_RE.test(first)) return refuse(`"${ref}" has registry host "${first}", which is not a host name or [IPv6] with an optional :port`);
  if (lowerAscii(remainder) !== remainder) return refuse(`"${ref}": repository "${remainder}" must be lower case`);
  if (!PATH_RE.test(remainder)) {
    return refuse(
      `"${ref}": repository "${remainder}" is not "/"-separated components of lower-case letters and digits joined by ".", "_", "__" or "-"`,
    );
  }
  if (n.repository.length > NAME_TOTAL_LENGTH_MAX) {
    return refuse(`"${ref}": repository name is ${n.repository.length} characters; at most ${NAME_TOTAL_LENGTH_MAX}`);
  }
  const registry = n.repository.substring(0, n.repository.indexOf('/'));
  const base = { registry, path: n.repository.substring(registry.length + 1), repository: n.repository };
  if (n.digest !== '') {
    const canonical = `${n.repository}${n.tag !== '' ? `:${n.tag}` : ''}@${n.digest}`;
    return { ok: true, value: { ...base, strength: 'digest', digest: n.digest, ...(n.tag !== '' ? { tag: n.tag } : {}), canonical } };
  }
  if (n.tag !== '') return { ok: true, value: { ...base, strength: 'tag', tag: n.tag, canonical: `${n.repository}:${n.tag}` } };
  return { ok: true, value: { ...base, strength: 'repository', canonical: n.repository } };
}
