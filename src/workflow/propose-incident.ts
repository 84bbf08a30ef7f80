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
import { proposeChange, type ProposeEvent, type ProposeResult } from '../git/repository';
import type { AirlockAction } from '../git/trailers';
import { describeAction } from '../incident/describe-action';
import type { Incident } from '../incident/types';
import type { Settings } from '../settings/settings';
import { PLATFORM_DIR } from '../synth/platform-chart';
import { DIST_DIR, synthProject } from '../synth/synth-project';
import { folderPath, synthTargets } from '../synth/synthesize';
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

function objectsSummary(root: string, settings: Settings, incident: Incident, action: AirlockAction): string {
  const folders = synthTargets(settings).map((t) => folderPath(t, incident.slug));
  if (action === 'lift') return `All objects of ${folders.map((f) => `\`${DIST_DIR}/${f}/\``).join(', ')} are removed; the GitOps controller prunes them.`;
  return [
    ...folders.flatMap((folder) => {
      const dir = path.join(root, DIST_DIR, folder);
      const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort() : [];
      return files.length === 0 ? [] : [`Objects in \`${DIST_DIR}/${folder}/\`:`, '', ...files.map((f) => `- \`${f}\``), ''];
    }),
    'Run `airlock plan --inventory <snapshot>` for the proof of effectiveness.',
  ].join('\n');
}

/** Which of `files` (project-relative) exist on the fetched remote base branch. */
async function existingOnBase(root: string, remote: string, base: string, files: readonly string[]): Promise<Set<string>> {
  const git = await openWorkTree(root);
  await git.attempt(['fetch', '--quiet', remote, base]);
  const found = new Set<string>();
  for (const file of files) {
    const relative = path.relative(git.dir, path.join(root, file)).split(path.sep).join('/');
    if ((await git.attempt(['cat-file', '-e', `${remote}/${base}:${relative}`], { quiet: true })).exitCode === 0) found.add(file);
  }
  return found;
}

/** Synthesizes, commits and pushes one incident; opens or updates its pull request when a forge is configured. */
export async function proposeIncident(options: ProposeIncidentOptions): Promise<ProposedIncident> {
  const { root } = options;
  const { project } = synthProject(root);
  const incident = project.incidents.find((i) => i.slug === options.id.toLowerCase());
  if (!incident) throw new UsageError(`no incident "${options.id}" in incidents/; accepted: ${project.incidents.map((i) => i.id).join(', ') || '(none)'}`);
  const remote = options.remote ?? project.settings.git.remote;
  const base = options.base ?? project.settings.git.base;
  const targets = synthTargets(project.settings);
  const platforms = targets.map((t) => `${DIST_DIR}/${folderPath(t, PLATFORM_DIR)}`);
  const onBase = await existingOnBase(root, remote, base, [incident.file, ...platforms.map((p) => `${p}/kustomization.yaml`)]);
  const action: AirlockAction = incident.status === 'lifted' ? 'lift' : onBase.has(incident.file) ? 'update' : 'contain';
  // The platform folder goes in only where the base lacks it (the first incident): otherwise a stale checkout
  // could revert a newer platform that landed meanwhile. Platform changes are the settings' own commits.
  const missingPlatforms = platforms.filter((p) => !onBase.has(`${p}/kustomization.yaml`));

  const subject = commitSubject(incident, action);
  const plan = options.inventory && incident.status === 'active' ? formatPlanMarkdown(planIncidents(project, [incident], options.inventory)) : objectsSummary(root, project.settings, incident, action);
  const body = [
    `**${incident.title}** — severity ${incident.severity}, owner ${incident.owner}${incident.ticket ? `, ticket ${incident.ticket}` : ''}.`,
    ...(options.liftReason ? ['', `Lifted because: ${options.liftReason}`] : []),
    '',
    plan,
  ].join('\n');

  const paths = [incident.file, ...targets.map((t) => `${DIST_DIR}/${folderPath(t, incident.slug)}`), ...missingPlatforms];
  const git = await proposeChange({
    cwd: root,
    // Every cluster's folder of the incident (a cluster it no longer targets loses it).
    paths,
    subject,
    body,
    trailers: { incident: incident.id, action, severity: incident.severity, ...(incident.alerts?.length ? { alerts: incident.alerts } : {}) },
    mode: options.direct ? { kind: 'direct', reason: options.direct.reason } : { kind: 'branch', branch: `airlock/${incident.slug}` },
    remote,
    base,
    resynthesize: async () => {
      synthProject(root);
    },
    // Enough for a dozen responders pushing to one base at once (each push cycle takes about a second),
    // still bounded: the jittered delays add up to well under a minute.
    retry: { attempts: PUSH_ATTEMPTS },
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });

  const forge = project.settings.git.forge;
  let changeRequest: ChangeRequest | undefined;
  // Upsert even when nothing new was pushed: a previous run may have pushed and then failed to reach the forge.
  if (forge && !options.direct) {
    changeRequest = await openOrUpdateChangeRequest(
      forge,
      { branch: git.branch, base, title: subject, body, labels: [...project.settings.git.labels, `severity:${incident.severity}`] },
      options.forge,
    );
  }
  // A break-glass change reconciles now rather than at the next poll; a controller that does not answer only
  // costs the wait, so its failure is reported, never fatal.
  let notified: NotifyResult[] | undefined;
  const gitops = project.settings.gitops;
  if (options.direct && gitops && git.pushed) {
    const repoUrl = (await (await openWorkTree(root)).run(['remote', 'get-url', remote])).trim();
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
