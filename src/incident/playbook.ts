/**
 * Playbooks: the organisation's named containment recipes (`policies/playbooks.ts`). A playbook turns a
 * target — a pod, a workload, an image — into actions, so an incident written at 3 a.m. by a person, by
 * `airlock new --playbook` or by the alert intake reads `...cryptominer({ namespace, pod, image })` and every
 * responder contains the same way.
 */
import type { Action, Labels } from './types';

/** What a playbook acts on. Which fields it needs is stated by {@link PlaybookSpec.requires}. */
export interface PlaybookTarget {
  readonly namespace: string;
  /** A suspect pod by name. */
  readonly pod?: string;
  /** A workload by labels. */
  readonly selector?: Labels;
  /** The suspect image (`repo@sha256:…` preferred). */
  readonly image?: string;
  /**
   * The suspect pod's PersistentVolumeClaims, when known (`airlock new --inventory` reads them from a cluster
   * snapshot): what a playbook that captures evidence snapshots. @default none known
   */
  readonly volumes?: readonly string[];
}

/** Target fields a playbook cannot work without (`pod` or `selector` means: one of the two). */
export type PlaybookRequirement = 'pod-or-selector' | 'pod' | 'image';

/** Declaration of a playbook. */
export interface PlaybookSpec {
  /** Name used by `airlock new --playbook` and alert rules; the export name in `policies/playbooks.ts`. */
  readonly name: string;
  /** One line for `airlock new --help` and the plan. */
  readonly description: string;
  /** @default ['pod-or-selector'] */
  readonly requires?: readonly PlaybookRequirement[];
  /** Whether the playbook blocks `target.image` itself (then `airlock new` passes the image to it). @default false */
  readonly blocksImage?: boolean;
  /** The actions for a target. */
  readonly actions: (target: PlaybookTarget) => Action[];
}

/** A callable playbook that still knows its name and needs. */
export interface Playbook {
  (target: PlaybookTarget): Action[];
  readonly playbookName: string;
  readonly description: string;
  readonly requires: readonly PlaybookRequirement[];
  readonly blocksImage: boolean;
}

/** Declares a playbook. */
export function definePlaybook(spec: PlaybookSpec): Playbook {
  const run = (target: PlaybookTarget): Action[] => spec.actions(target);
  return Object.assign(run, { playbookName: spec.name, description: spec.description, requires: spec.requires ?? ['pod-or-selector'], blocksImage: spec.blocksImage ?? false });
}

/** What is missing from a target for a playbook, as field names (empty when it can run). */
export function missingForPlaybook(playbook: Playbook, target: PlaybookTarget): string[] {
  return playbook.requires.flatMap((r) => {
    if (r === 'pod-or-selector') return target.pod !== undefined || target.selector !== undefined ? [] : ['pod or selector'];
    return target[r] === undefined ? [r] : [];
  });
}
