/**
 * The plan as JSON (`airlock plan --json`): one object per action, in the field names the issue fixes, so
 * CI jobs and bots can gate on `effective` and read `residual` without parsing prose. Deterministic: the same
 * plan always prints the same bytes.
 */
import type { ActionKind } from '../incident/types';
import type { Direction } from './engine';
import type { BlockedImageUse, IncidentPlan, ResidualEntry } from './plan';
import { ConnectionSet } from './ports';

/** One residual entry, aggregated over an action's targets: the connections per peer and allowing policy. */
export interface ResidualJson {
  readonly direction: Direction;
  /** `ns/name[Kind]` or `first-last[External]`. */
  readonly peer: string;
  /** `TCP 80,UDP 53`, `All Connections`. */
  readonly ports: string;
  /** The policy on the target's side that still allows it, or `non-isolated`. */
  readonly policy: string;
}

/** One action of one incident. */
export interface ActionPlanJson {
  /** Incident id. */
  readonly incident: string;
  /** Action kind, e.g. `isolatePod`. */
  readonly action: ActionKind;
  /** Index in the incident's `actions`. */
  readonly index: number;
  /** `ns/pod`, sorted. */
  readonly targets: readonly string[];
  readonly effective: boolean;
  /** True when a guardrail refused the action (`airlock plan` then exits 4 as well). */
  readonly refused: boolean;
  /** Sorted by direction, peer, policy. */
  readonly residual: readonly ResidualJson[];
  /** Every finding's message: guardrails, DNS, image-block strength, failed proofs. */
  readonly warnings: readonly string[];
  /** Workloads caught, with how many of their pods, sorted by workload. */
  readonly blastRadius: readonly { readonly workload: string; readonly pods: number }[];
  /**
   * blockImages only: the snapshot's containers that run a blocked image, which admission does not stop
   * (`pod`, `workload`, `container`, `image`, `digest` when known, the catching `entry`), sorted by pod and container.
   */
  readonly runningImages?: readonly BlockedImageUse[];
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Merges the per-target entries of an action: one entry per direction, peer and policy. */
function aggregateResidual(entries: readonly ResidualEntry[]): ResidualJson[] {
  const merged = new Map<string, { direction: Direction; peer: string; policy: string; conns: ConnectionSet }>();
  for (const e of entries) {
    const key = JSON.stringify([e.direction, e.peer, e.policy]);
    const prev = merged.get(key);
    merged.set(key, { direction: e.direction, peer: e.peer, policy: e.policy, conns: prev ? prev.conns.union(e.conns) : e.conns });
  }
  return [...merged.values()]
    .sort((a, b) => byText(a.direction, b.direction) || byText(a.peer, b.peer) || byText(a.policy, b.policy))
    .map((e) => ({ direction: e.direction, peer: e.peer, ports: e.conns.toString(), policy: e.policy }));
}

/** The JSON objects of one incident's plan, one per action, in action order. */
export function planToJson(plan: IncidentPlan): ActionPlanJson[] {
  return plan.actions.map((a) => {
    if (a.kind === 'admission') {
      return {
        incident: plan.incident.id,
        action: a.action.kind,
        index: a.index,
        targets: [],
        effective: a.effective,
        refused: a.refused,
        residual: [],
        warnings: a.findings.map((f) => f.message),
        blastRadius: [],
        runningImages: a.running.map((r) => ({ ...r })),
      };
    }
    return {
      incident: plan.incident.id,
      action: a.action.kind,
      index: a.index,
      targets: a.targets.map((t) => t.name).sort(byText),
      effective: a.effective,
      refused: a.refused,
      residual: aggregateResidual(a.residual),
      warnings: a.findings.map((f) => f.message),
      blastRadius: a.blastRadius.map((w) => ({ workload: w.workload, pods: w.pods.length })),
    };
  });
}

/** `airlock plan --json`: every action of every plan, as one indented JSON array with a final newline. */
export function formatPlanJson(plans: readonly IncidentPlan[]): string {
  return `${JSON.stringify(plans.flatMap(planToJson), null, 2)}\n`;
}
