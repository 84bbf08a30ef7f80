/**
 * Proposing an incident's containment (or its lift) through git: synthesize, commit only the incident's files
 * with machine-readable trailers, push a branch `airlock/<id>` (or, break-glass, the base branch), and open or
 * update the pull request whose body is the plan. Used by `propose`, `lift`, `expire` and the alert intake.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AirlockError, UsageError } from '../errors';
import type { Inventory } from '../analysis/model';
import { formatPlanMarkdown } from '../analysis/plan-markdown';
import { notifyControllers, type NotifyOptions, type NotifyResult } from '../gitops/notify';
import { openOrUpdateChangeRequest, type ChangeRequest, type ForgeCallOptions } from '../git/forge';
import { openWorkTree } from '../git/runner';
import { proposeChanges, type Change, type ProposeEvent, type ProposeResult } from '../git/repository';
import type { UnwrittenFolders } from '../git/stage';
import type { AirlockAction } from '../git/trailers';
import { describeAction } from '../incident/describe-action';
import type { Incident } from '../incident/types';
import { INCIDENTS_DIR } from '../project/load-project';
import type { Settings } from '../settings/settings';
import { synthIncidents, type SynthIncidentsResult } from '../synth/synth-incidents';
import { DIST_DIR, synthProject } from '../synth/synth-project';
import { incidentFolderPaths, sharedPaths, synthTargets, type DistTree } from '../synth/synthesize';
import { planIncidents } from './plan-incidents';

/** Push attempts before `propose` gives up (see RetryOptions: jittered exponential backoff, capped at 5 s). */
export const PUSH_ATTEMPTS = 12;

/** Options of {@link proposeIncident}. */
export interface ProposeIncidentOptions {
  /** Project root (inside a git work tree). */
  readonly root: string;
  /** Incident id (case-insensitive). */
  readonly id: string;
  /** Break-glass: commit straight to the base branch, with this reason recorded as `Airlock-Break-Glass`. */
  readonly direct?: { readonly reason: string };
  /** @default settings.git.remote */
  readonly remote?: string;
  /** @default settings.git.base */
  readonly base?: string;
  /** A cluster snapshot: when given, the pull request body is the full plan. */
  readonly inventory?: Inventory;
  /** Why the incident is lifted (lift commits). */
  readonly liftReason?: string;
  /** Progress (fetch, push, retries). */
  readonly onEvent?: (event: ProposeEvent) => void | Promise<void>;
  /** Environment and fetch for the forge call (tests). */
  readonly forge?: ForgeCallOptions;
  /** Environment for the controller notification (tests). */
  readonly notify?: NotifyOptions;
  /** Stage review-branch files in a checkout of the base so `git pull` of the merge works (the CLI; see proposeChanges). */
  readonly stageInCheckout?: boolean;
}

/** What was proposed. */
export interface ProposedIncident {
  readonly incident: Incident;
  readonly action: AirlockAction;
  readonly subject: string;
  readonly git: ProposeResult;
  /** The pull/merge request, when a forge is configured and a branch was pushed. */
  readonly changeRequest?: ChangeRequest;
  /** Break-glass only: what Argo CD / Flux answered when told to reconcile now (settings.gitops). */
  readonly notified?: readonly NotifyResult[];
}


/** `incident(<ID>): <what is contained>`, kept to one line of reasonable length. */
export function commitSubject(incident: Incident, action: AirlockAction): string {
  const what = action === 'lift' ? `lift ${incident.actions.map(describeAction).join('; ')}` : incident.actions.map(describeAction).join('; ');
  const subject = `incident(${incident.id}): ${what}`;
  return subject.length > 120 ? `${subject.slice(0, 117)}...` : subject;
}

/** The objects the incident's folders hold: from `rendered` when it has the folder (not written yet), else from the disk. */
function objectsSummary(root: string, settings: Settings, incident: Incident, action: AirlockAction, rendered?: DistTree): string {
  const folders = synthTargets(settings).flatMap((t) => incidentFolderPaths(t, incident));
  if (action === 'lift') return `All objects of ${folders.map((f) => `\`${DIST_DIR}/${f}/\``).join(', ')} are removed; the GitOps controller prunes them.`;
  const namesIn = (folder: string): string[] => {
    const files = rendered?.get(folder);
    if (files) return [...files.keys()];
    const dir = path.join(root, DIST_DIR, folder);
    return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  };
  return [
    ...folders.flatMap((folder) => {
      const files = namesIn(folder).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
      return files.length === 0 ? [] : [`Objects in \`${DIST_DIR}/${folder}/\`:`, '', ...files.map((f) => `- \`${f}\``), ''];
    }),
    'Run `airlock plan --inventory <snapshot>` for the proof of effectiveness.',
  ].join('\n');
}

/**
 * The rendered folders as the proposal's unwritten folders: each with its files, a removed one as null. Folders
 * holding others (`_evidence/`) are left out: on disk they also hold every other incident's folders, so the
 * commit must see them written (proposeChanges then writes before staging).
 */
function unwrittenFolders(synthesized: SynthIncidentsResult): UnwrittenFolders {
  const folders = new Map<string, ReadonlyMap<string, string> | null>();
  for (const folder of synthesized.diff.folders) if (!synthesized.diff.holders.has(folder)) folders.set(`${DIST_DIR}/${folder}`, null);
  for (const [folder, files] of synthesized.tree) if (!synthesized.diff.holders.has(folder)) folders.set(`${DIST_DIR}/${folder}`, files);
  return { folders, write: synthesized.write };
}

/** One incident of {@link proposeIncidents}. */
export interface IncidentToPropose {
  /** Incident id (case-insensitive). */
  readonly id: string;
  /** Break-glass: commit straight to the base branch, with this reason recorded as `Airlock-Break-Glass`. */
  readonly direct?: { readonly reason: string };
  /** A cluster snapshot: when given, the pull request body is the full plan. */
  readonly inventory?: Inventory;
  /** Why the incident is lifted (lift commits). */
  readonly liftReason?: string;
}

/** Options of {@link proposeIncidents}: what the batch shares. */
export interface ProposeIncidentsOptions extends Omit<ProposeIncidentOptions, 'id' | 'direct' | 'inventory' | 'liftReason'> {
  readonly incidents: readonly IncidentToPropose[];
  /**
   * What is synthesized before committing. `project`: the whole project, as `airlock synth` does (every
   * incident validated, all of `dist/` brought up to date). `incidents`: only the proposed incidents and the
   * shared folders (see synthIncidents), for a long-running writer that has just written those incident files
   * (the alert intake); ids must then be given exactly as the files are named. @default 'project'
   */
  readonly synth?: 'project' | 'incidents';
}

/** How one incident of a batch ended. */
export type IncidentProposal = { readonly ok: true; readonly id: string; readonly proposed: ProposedIncident } | { readonly ok: false; readonly id: string; readonly error: AirlockError };

/** Synthesizes, commits and pushes one incident; opens or updates its pull request when a forge is configured. */
export async function proposeIncident(options: ProposeIncidentOptions): Promise<ProposedIncident> {
  const { id, direct, inventory, liftReason, ...shared } = options;
  const [outcome] = await proposeIncidents({ ...shared, incidents: [{ id, ...(direct ? { direct } : {}), ...(inventory ? { inventory } : {}), ...(liftReason ? { liftReason } : {}) }] });
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.proposed;
}

/**
 * Proposes several incidents at once — what the alert intake does with every alert that queued up meanwhile:
 * one synthesis, one fetch, one commit per incident (each on `airlock/<id>`, or break-glass onto the base) and
 * one push carrying them all; then each pull request is opened or updated. Results come per incident, in order:
 * an incident that fails (unknown id, a concurrent edit of its files, its pull request not reachable) does not
 * fail the others. Throws only for what fails them all (an invalid project, the remote unreachable).
 */
export async function proposeIncidents(options: ProposeIncidentsOptions): Promise<IncidentProposal[]> {
  const { root } = options;
  const files = options.incidents.map((i) => `${INCIDENTS_DIR}/${i.id}.ts`);
  // The intake's batch: rendered now, committed from memory, written to dist/ while the push runs.
  const synthesized = options.synth === 'incidents' ? synthIncidents(root, files, { deferWrite: true }) : undefined;
  const project = synthesized?.project ?? synthProject(root).project;
  const remote = options.remote ?? project.settings.git.remote;
  const base = options.base ?? project.settings.git.base;
  const targets = synthTargets(project.settings);
  const shared = targets.flatMap((t) => sharedPaths(t)).map((p) => ({ path: `${DIST_DIR}/${p.path}`, marker: `${DIST_DIR}/${p.marker}` }));
  const results: Array<IncidentProposal | undefined> = new Array(options.incidents.length);
  const found: Array<{ at: number; item: IncidentToPropose; incident: Incident }> = [];
  options.incidents.forEach((item, at) => {
    const incident = project.incidents.find((i) => i.slug === item.id.toLowerCase());
    if (incident) found.push({ at, item, incident });
    else results[at] = { ok: false, id: item.id, error: new UsageError(`no incident "${item.id}" in incidents/; accepted: ${project.incidents.map((i) => i.id).join(', ') || '(none)'}`) };
  });
  if (found.length === 0) return results as IncidentProposal[];

  const prepared: Array<{ action: AirlockAction; subject: string; body: string; paths: string[] }> = [];
  const changes = (onBase: ReadonlySet<string>): Change[] => {
    // The shared files (platform, evidence roots) go in only where the base lacks them (the first incident):
    // otherwise a stale checkout could revert a newer platform that landed meanwhile. Platform changes are the
    // settings' own commits.
    const missing = shared.filter((p) => !onBase.has(p.marker)).map((p) => p.path);
    return found.map(({ item, incident }) => {
      const action: AirlockAction = incident.status === 'lifted' ? 'lift' : onBase.has(incident.file) ? 'update' : 'contain';
      const subject = commitSubject(incident, action);
      const plan = item.inventory && incident.status === 'active' ? formatPlanMarkdown(planIncidents(project, [incident], item.inventory)) : objectsSummary(root, project.settings, incident, action, synthesized?.tree);
      const body = [
        `**${incident.title}** — severity ${incident.severity}, owner ${incident.owner}${incident.ticket ? `, ticket ${incident.ticket}` : ''}.`,
        ...(item.liftReason ? ['', `Lifted because: ${item.liftReason}`] : []),
        '',
        plan,
      ].join('\n');
      // Every cluster's folders of the incident (a cluster it no longer targets loses them).
      const paths = [incident.file, ...targets.flatMap((t) => incidentFolderPaths(t, incident)).map((f) => `${DIST_DIR}/${f}`), ...missing];
      prepared.push({ action, subject, body, paths });
      return {
        paths,
        subject,
        body,
        trailers: { incident: incident.id, action, severity: incident.severity, ...(incident.alerts?.length ? { alerts: incident.alerts } : {}) },
        mode: item.direct ? { kind: 'direct', reason: item.direct.reason } : { kind: 'branch', branch: `airlock/${incident.slug}` },
      };
    });
  };
  const delivered = await proposeChanges({
    cwd: root,
    changes,
    probe: [...found.map((f) => f.incident.file), ...shared.map((p) => p.marker)],
    branches: found.filter((f) => !f.item.direct).map((f) => `airlock/${f.incident.slug}`),
    remote,
    base,
    ...(synthesized ? { unwritten: unwrittenFolders(synthesized) } : {}),
    resynthesize: async () => {
      if (options.synth === 'incidents') synthIncidents(root, files);
      else synthProject(root);
    },
    // Enough for a dozen responders pushing to one base at once (each push cycle takes about a second),
    // still bounded: the jittered delays add up to well under a minute.
    retry: { attempts: PUSH_ATTEMPTS },
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.stageInCheckout ? { stageInCheckout: true } : {}),
  });

  await Promise.all(
    found.map(async ({ at, item, incident }, k) => {
      const outcome = delivered[k]!;
      if (!outcome.ok) {
        results[at] = { ok: false, id: item.id, error: outcome.error };
        return;
      }
      try {
        results[at] = { ok: true, id: item.id, proposed: await afterPush(options, project.settings, { incident, item, ...prepared[k]!, git: outcome.result, base, remote }) };
      } catch (e) {
        if (!(e instanceof AirlockError)) throw e;
        results[at] = { ok: false, id: item.id, error: e };
      }
    }),
  );
  return results as IncidentProposal[];
}

/** After the push: open or update the pull request, or tell the GitOps controllers about a break-glass commit. */
async function afterPush(
  options: ProposeIncidentsOptions,
  settings: Settings,
  p: { incident: Incident; item: IncidentToPropose; action: AirlockAction; subject: string; body: string; paths: string[]; git: ProposeResult; base: string; remote: string },
): Promise<ProposedIncident> {
  const { incident, item, action, subject, body, paths, git, base, remote } = p;
  const forge = settings.git.forge;
  let changeRequest: ChangeRequest | undefined;
  // Upsert even when nothing new was pushed: a previous run may have pushed and then failed to reach the forge.
  if (forge && !item.direct) {
    changeRequest = await openOrUpdateChangeRequest(forge, { branch: git.branch, base, title: subject, body, labels: [...settings.git.labels, `severity:${incident.severity}`] }, options.forge);
  }
  // A break-glass change reconciles now rather than at the next poll; a controller that does not answer only
  // costs the wait, so its failure is reported, never fatal.
  let notified: NotifyResult[] | undefined;
  const gitops = settings.gitops;
  if (item.direct && gitops && git.pushed) {
    const repoUrl = (await (await openWorkTree(options.root)).run(['remote', 'get-url', remote])).trim();
    try {
      notified = await notifyControllers(gitops, { repoUrl, branch: base, commit: git.commit, paths, message: subject }, options.notify ?? {});
    } catch (e) {
      // The push has landed: a notification that cannot even be built is a warning, not a failed propose.
      if (!(e instanceof AirlockError)) throw e;
      notified = [{ controller: gitops.argocd ? 'argocd' : 'flux', url: '', ok: false, attempts: 0, error: e.message.split('\n')[0] }];
    }
  }
  return { incident, action, subject, git, ...(changeRequest ? { changeRequest } : {}), ...(notified ? { notified } : {}) };
}
