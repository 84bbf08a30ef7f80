/**
 * An incident's image blocklist: the entries grouped by strength, the ConfigMap `data` layout that carries
 * them to the cluster, and the matcher that the webhook uses. The generated CEL (see `cel.ts`) implements the
 * same matching over the same data; tests hold the two to the same decisions.
 *
 * ConfigMap `data` layout (every key always present, lists sorted, de-duplicated, one entry per line):
 * - `incident`: the incident id, named in denial messages.
 * - `reason`: why the images are blocked (the distinct reasons of the incident's blockImages actions, joined
 *   by "; "), shown in denial messages.
 * - `digests`: `algorithm:hex` digests. A digest names content, so it blocks that content under any
 *   repository or tag (mirrors, re-tags).
 * - `tags`: `registry/path:tag` (normalised). An image naming neither tag nor digest counts as `:latest`.
 * - `repositories`: `registry/path` (normalised): any tag or digest of it.
 */
import { normaliseImage, IMPLICIT_TAG, type ImageReference } from '../incident/image-reference';

/** Keys of the blocklist ConfigMap's `data`. */
export const BLOCKLIST_KEYS = {
  incident: 'incident',
  reason: 'reason',
  digests: 'digests',
  tags: 'tags',
  repositories: 'repositories',
} as const;

/** Separator of list entries in the ConfigMap values; no image reference contains it. */
export const ENTRY_SEPARATOR = '\n';

/** One incident's blocklist, ready for matching. */
export interface Blocklist {
  /** Incident id, as declared. */
  readonly incident: string;
  readonly reason: string;
  /** `algorithm:hex`. */
  readonly digests: ReadonlySet<string>;
  /** `registry/path:tag`. */
  readonly tags: ReadonlySet<string>;
  /** `registry/path`. */
  readonly repositories: ReadonlySet<string>;
}

/** Groups parsed references by strength: a digest reference blocks its digest, a tag its tagged name, a bare repository itself. */
export function blocklistFromReferences(incident: string, reason: string, references: readonly ImageReference[]): Blocklist {
  const digests = new Set<string>();
  const tags = new Set<string>();
  const repositories = new Set<string>();
  for (const ref of references) {
    switch (ref.strength) {
      case 'digest':
        digests.add(ref.digest);
        break;
      case 'tag':
        tags.add(`${ref.repository}:${ref.tag}`);
        break;
      case 'repository':
        repositories.add(ref.repository);
        break;
    }
  }
  return { incident, reason, digests, tags, repositories };
}

function list(entries: ReadonlySet<string>): string {
  return [...entries].sort().join(ENTRY_SEPARATOR);
}

/** The ConfigMap `data` for a blocklist: deterministic, so the same incident always writes the same bytes. */
export function blocklistData(blocklist: Blocklist): Record<string, string> {
  return {
    [BLOCKLIST_KEYS.digests]: list(blocklist.digests),
    [BLOCKLIST_KEYS.incident]: blocklist.incident,
    [BLOCKLIST_KEYS.reason]: blocklist.reason,
    [BLOCKLIST_KEYS.repositories]: list(blocklist.repositories),
    [BLOCKLIST_KEYS.tags]: list(blocklist.tags),
  };
}

function entries(value: unknown): Set<string> {
  if (typeof value !== 'string' || value === '') return new Set();
  return new Set(value.split(ENTRY_SEPARATOR).filter((e) => e !== ''));
}

/**
 * Reads a blocklist back from ConfigMap `data` (the webhook's source). Returns an error string when the data
 * is not a blocklist, so the caller can name the file.
 */
export function blocklistFromData(data: unknown, fallbackIncident: string): { ok: true; value: Blocklist } | { ok: false; error: string } {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, error: 'has no data map' };
  const d = data as Record<string, unknown>;
  for (const [key, value] of Object.entries(d)) {
    if (typeof value !== 'string') return { ok: false, error: `data.${key} is not a string` };
  }
  const incident = typeof d[BLOCKLIST_KEYS.incident] === 'string' && d[BLOCKLIST_KEYS.incident] !== '' ? (d[BLOCKLIST_KEYS.incident] as string) : fallbackIncident;
  return {
    ok: true,
    value: {
      incident,
      reason: typeof d[BLOCKLIST_KEYS.reason] === 'string' ? (d[BLOCKLIST_KEYS.reason] as string) : '',
      digests: entries(d[BLOCKLIST_KEYS.digests]),
      tags: entries(d[BLOCKLIST_KEYS.tags]),
      repositories: entries(d[BLOCKLIST_KEYS.repositories]),
    },
  };
}

/** Whether one image string is on the blocklist: by digest, by repository, or by repository:tag. */
export function isBlocked(image: string, blocklist: Blocklist): boolean {
  const n = normaliseImage(image);
  if (n.digest !== '' && blocklist.digests.has(n.digest)) return true;
  if (blocklist.repositories.has(n.repository)) return true;
  // A tag entry catches the image when it names that tag (even alongside a digest), or names nothing (= latest).
  if (n.tag === '' && n.digest !== '') return false;
  return blocklist.tags.has(`${n.repository}:${n.tag !== '' ? n.tag : IMPLICIT_TAG}`);
}

/** The images (in order) that a blocklist refuses. */
export function blockedImages(images: readonly string[], blocklist: Blocklist): string[] {
  return images.filter((image) => isBlocked(image, blocklist));
}

/** The denial message, word for word the one the policy's messageExpression builds. */
export function denialMessage(blocked: readonly string[], blocklist: Pick<Blocklist, 'incident' | 'reason'>): string {
  const more = blocked.length > 1 ? ` (and ${blocked.length - 1} more)` : '';
  return `image ${blocked[0]}${more} is blocked by incident ${blocklist.incident}: ${blocklist.reason}`;
}
