/**
 * Plan warnings for blocklist entries weaker than a digest: a tag can be moved and a repository can be
 * mirrored, so responders see what their block does not cover.
 */
import { parseImageReference, type ReferenceStrength } from '../incident/image-reference';

/** One entry of a blocklist that a digest would block more reliably. */
export interface BlockStrengthWarning {
  /** The entry as written. */
  readonly image: string;
  /** Its normalised form. */
  readonly canonical: string;
  readonly strength: Exclude<ReferenceStrength, 'digest'>;
  /** One sentence for the plan. */
  readonly message: string;
}

const WHY: Record<BlockStrengthWarning['strength'], string> = {
  tag:
    'blocks by tag, which is weaker than by digest: the same image pulled by digest or under another tag ' +
    'passes, and a re-pushed tag blocks whatever it then points to; block "repo@sha256:…" where the digest is known',
  repository:
    'blocks a whole repository (any tag or digest), which is weaker than by digest: the same image mirrored ' +
    'to another registry or repository passes; block "repo@sha256:…" where the digest is known',
};

/** Warnings, in input order, for every valid entry blocked by tag or repository (invalid ones are the validator's to report). */
export function blockStrengthWarnings(images: readonly string[]): BlockStrengthWarning[] {
  const warnings: BlockStrengthWarning[] = [];
  for (const image of images) {
    const parsed = parseImageReference(image);
    if (!parsed.ok || parsed.value.strength === 'digest') continue;
    const strength = parsed.value.strength;
    warnings.push({ image, canonical: parsed.value.canonical, strength, message: `${image} ${WHY[strength]}` });
  }
  return warnings;
}
