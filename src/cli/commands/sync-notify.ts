/**
 * `airlock sync-notify [--argocd URL] [--flux-receiver URL] [--secret-env NAME]`: tells Argo CD or Flux to
 * reconcile the pushed commit now rather than at the next poll. Without flags, notifies what `gitops` in
 * `policies/settings.ts` configures. The commit, branch and changed `dist/` files come from the local clone.
 * Exits 5 (delivery failure) when a controller did not acknowledge; the push itself is never affected.
 */
import { execFileSync } from 'node:child_process';
import { Command, Option } from 'commander';
import { ExitCode, UsageError, ValidationError } from '../../errors';
import type * as Gitops from '../../gitops';
import { output, projectRoot } from '../context';
import { loadSettingsOnly } from './bootstrap';

interface SyncNotifyOptions {
  readonly argocd?: string;
  readonly fluxReceiver?: string;
  readonly fluxType: Gitops.FluxReceiverType;
  readonly secretEnv?: string;
  readonly repo?: string;
  readonly branch?: string;
  readonly commit?: string;
  readonly path: string;
  readonly timeout: string;
  readonly json?: boolean;
}

function git(root: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The pushed commit: the remote-tracking branch when the clone has it (what the controller will fetch), else
 * HEAD; and the files under the delivered folder that commit changed (empty: let the controller refresh anyway).
 */
function pushedChange(root: string, remote: string, branch: string, commit: string | undefined, distPath: string): { commit: string; paths: string[] } {
  const sha = commit ?? git(root, ['rev-parse', '--verify', '--quiet', `refs/remotes/${remote}/${branch}^{commit}`]) ?? git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (!sha || !/^[0-9a-f]{40}$/.test(sha)) throw new UsageError(`cannot tell which commit was pushed${commit ? ` ("${commit}" is not a full commit id)` : ` (no ${remote}/${branch} and no HEAD in ${root})`}; accepted: --commit <40 hex digits>`);
  const changed = git(root, ['diff-tree', '--root', '--no-commit-id', '--name-only', '-r', sha, '--', distPath]);
  return { commit: sha, paths: changed ? changed.split('\n').filter(Boolean) : [] };
}

/** The `sync-notify` command; `setExit` reports an unacknowledged notification without a second error print. */
export function syncNotifyCommand(setExit: (code: number) => void): Command {
  return new Command('sync-notify')
    .description("tell Argo CD (/api/webhook push event) or Flux (Receiver) to reconcile the pushed commit now")
    .option('--argocd <url>', "Argo CD's webhook endpoint, https://<argocd-server>/api/webhook")
    .option('--flux-receiver <url>', "the Flux Receiver's URL, https://<host>/hook/<sha256>")
    .addOption(new Option('--flux-type <type>', "the Receiver's spec.type").choices(['github', 'generic-hmac', 'generic']).default('github'))
    .option('--secret-env <name>', "environment variable holding the secret (Argo CD's webhook.github.secret, the Receiver token)")
    .option('--repo <url>', 'the repository URL as the controllers know it (default: gitops.repoUrl, else the git remote URL)')
    .option('--branch <branch>', 'the pushed branch (default: git.base in policies/settings.ts)')
    .option('--commit <sha>', 'the pushed commit (default: <remote>/<branch>, else HEAD)')
    .option('--path <dir>', 'the synthesized folder: changed files under it are reported', 'dist')
    .option('--timeout <seconds>', 'per request', '10')
    .option('--json', 'print the results as JSON')
    .action(async (opts: SyncNotifyOptions, command: Command) => {
      const gitops = require('../../gitops') as typeof Gitops;
      const root = projectRoot(command);
      const { settings, gitops: rawGitops } = loadSettingsOnly(root);
      const problems = gitops.validateNotifySettings(rawGitops, 'policies/settings.ts');
      if (problems.length > 0) throw new ValidationError(problems);
      const configured = (rawGitops ?? {}) as Gitops.GitopsNotifySettings;
      const secretEnv = opts.secretEnv;
      if (secretEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(secretEnv)) throw new UsageError(`--secret-env "${secretEnv}" is not an environment variable name; accepted: letters, digits and "_"`);
      const fromFlags: Gitops.GitopsNotifySettings = {
        ...(opts.argocd ? { argocd: { webhookUrl: opts.argocd, ...(secretEnv ? { secretEnv } : {}) } } : {}),
        ...(opts.fluxReceiver ? { flux: { receiverUrl: opts.fluxReceiver, type: opts.fluxType, ...(secretEnv ? { secretEnv } : {}) } } : {}),
      };
      const target = opts.argocd || opts.fluxReceiver ? fromFlags : configured;
      if (!target.argocd && !target.flux) throw new UsageError('nothing to notify: give --argocd URL or --flux-receiver URL, or set gitops.argocd / gitops.flux in policies/settings.ts');
      const timeout = Number(opts.timeout);
      if (!/^\d+$/.test(opts.timeout) || timeout < 1 || timeout > 300) throw new UsageError(`--timeout is "${opts.timeout}"; accepted: whole seconds, 1–300`);
      const branch = opts.branch ?? settings.git.base;
      const repoUrl = opts.repo ?? configured.repoUrl ?? git(root, ['remote', 'get-url', settings.git.remote]);
      if (!repoUrl) throw new UsageError(`no repository URL: the clone has no remote "${settings.git.remote}"; accepted: --repo <url> as the controllers clone it`);
      // Named for where it came from: a responder who gave no --repo should not be told their --repo is wrong.
      gitops.parseRepoUrl(repoUrl, opts.repo !== undefined ? '--repo' : configured.repoUrl !== undefined ? 'gitops.repoUrl in policies/settings.ts' : `git remote "${settings.git.remote}" (the default of --repo)`);
      const distPath = gitops.normalizeRepoPath(opts.path);
      const change = pushedChange(root, settings.git.remote, branch, opts.commit, distPath);
      const results = await gitops.notifyControllers({ ...target, repoUrl }, { ...change, branch, message: `airlock sync-notify ${change.commit.slice(0, 12)}` }, { timeoutMs: timeout * 1000 });
      const failed = results.filter((r) => !r.ok);
      const name = (c: 'argocd' | 'flux'): string => (c === 'argocd' ? 'Argo CD' : 'Flux');
      output(opts.json, { commit: change.commit, branch, paths: change.paths, results }, () =>
        results.map((r) => (r.ok ? `notified ${name(r.controller)} (${r.url}): HTTP ${r.status}, ${change.commit.slice(0, 12)} on ${branch}, ${change.paths.length} changed file${change.paths.length === 1 ? '' : 's'} under ${distPath}/\n` : '')).join(''),
      );
      if (failed.length > 0) {
        if (!opts.json) process.stderr.write(`airlock: could not notify ${failed.map((r) => `${name(r.controller)} (${r.url}): ${r.error}`).join('; ')}\n  hint: the push itself succeeded; the controller still reconciles at its next poll\n`);
        setExit(ExitCode.git);
      }
    });
}
