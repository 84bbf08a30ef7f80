/**
 * The repository, branch and folder the controllers reconcile, and the per-cluster folders under it. Every
 * controller spells a repository URL a little differently (Flux only takes URLs with a scheme; a GitHub push
 * event names the web page, not the clone URL), so the conversions live here, next to their validation.
 */
import { GitopsConfigError } from './errors';
import type { DeliverySettings, DeliverySource, DeliveryTarget } from './types';

/** A parsed repository URL: enough to rebuild every form a controller or a forge uses. */
export interface RepoUrlParts {
  /** `https`, `http` or `ssh` (scp-like `git@host:path` counts as ssh). */
  readonly scheme: 'https' | 'http' | 'ssh';
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
  /** Path without leading slash and without `.git`, e.g. `acme/airlock`. */
  readonly path: string;
}

const SCP_LIKE = /^(?:([A-Za-z0-9._~-]+)@)?([A-Za-z0-9.-]+):(?!\/\/)([^\s]+)$/;
const REPO_HINT = 'https://host/owner/repo(.git), ssh://git@host[:port]/owner/repo(.git) or git@host:owner/repo(.git)';

/** Parses the URL forms git remotes use; throws GitopsConfigError naming `field` for anything else. */
export function parseRepoUrl(url: string, field = '--repo'): RepoUrlParts {
  const trimmed = url.trim();
  const scp = SCP_LIKE.exec(trimmed);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    const path = stripGit(scp[3].replace(/^\/+/, ''));
    if (!path) throw new GitopsConfigError(field, `"${url}" names no repository path`, REPO_HINT);
    return { scheme: 'ssh', ...(scp[1] ? { user: scp[1] } : {}), host: scp[2], path };
  }
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new GitopsConfigError(field, `"${url}" is not a repository URL`, REPO_HINT);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme !== 'https' && scheme !== 'http' && scheme !== 'ssh') {
    throw new GitopsConfigError(field, `"${url}" uses ${scheme}://, which Argo CD and Flux cannot both clone`, REPO_HINT);
  }
  if (parsed.password) throw new GitopsConfigError(field, 'the URL carries a password', `${REPO_HINT}; give credentials to the controller as a repository secret, never in the URL`);
  if (parsed.search || parsed.hash) throw new GitopsConfigError(field, `"${url}" has a query or fragment`, REPO_HINT);
  const path = stripGit(decodeURIComponent(parsed.pathname).replace(/^\/+/, '').replace(/\/+$/, ''));
  if (!path) throw new GitopsConfigError(field, `"${url}" names no repository path`, REPO_HINT);
  return { scheme, ...(parsed.username ? { user: decodeURIComponent(parsed.username) } : {}), host: parsed.hostname, ...(parsed.port ? { port: Number(parsed.port) } : {}), path };
}

function stripGit(path: string): string {
  return path.replace(/\.git$/, '');
}

/**
 * The URL for Flux's GitRepository, whose schema only admits `http(s)://` and `ssh://`: an scp-like remote
 * `user@host:path` becomes `ssh://user@host/path`; every other form is kept as given, so Flux and Argo CD name
 * the same repository.
 */
export function fluxRepoUrl(url: string): string {
  const trimmed = url.trim();
  parseRepoUrl(trimmed);
  const scp = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? null : SCP_LIKE.exec(trimmed);
  if (!scp) return trimmed;
  return `ssh://${scp[1] ? `${scp[1]}@` : ''}${scp[2]}/${scp[3].replace(/^\/+/, '')}`;
}

/**
 * The repository's web page, as a forge's push event reports it in `repository.html_url`. Argo CD matches an
 * event to Applications by turning this into a pattern over host and path (any scheme, user, port, `.git`), so
 * the web form of any clone URL matches the Application's `repoURL`.
 */
export function repoWebUrl(url: string): string {
  const parts = parseRepoUrl(url);
  return `${parts.scheme === 'http' ? 'http' : 'https'}://${parts.host}/${parts.path}`;
}

/** The `https://…/repo.git` clone URL a push event reports in `repository.clone_url`. */
export function repoCloneUrl(url: string): string {
  return `${repoWebUrl(url)}.git`;
}

/** The `owner/repo` a push event reports in `repository.full_name`. */
export function repoFullName(url: string): string {
  return parseRepoUrl(url).path;
}

const BRANCH = /^(?!\/|.*(?:\/\.|\/\/|\.\.|@\{|\.lock$|\.$|\/$))[^\x00-\x20~^:?*[\\\x7f]+$/;

/** Validates and normalizes the source; `path` may be given as `./dist/` and is stored as `dist`. */
export function normalizeSource(input: { readonly repoUrl: string; readonly branch?: string; readonly path?: string }): DeliverySource {
  parseRepoUrl(input.repoUrl);
  const branch = (input.branch ?? 'main').replace(/^refs\/heads\//, '');
  if (!BRANCH.test(branch)) throw new GitopsConfigError('--branch', `"${input.branch}" is not a branch name git accepts`, 'a branch such as main or release/2026 (no spaces, "..", "~", "^", ":", "?", "*", "[" or "\\")');
  return { repoUrl: input.repoUrl.trim(), branch, path: normalizeRepoPath(input.path ?? 'dist') };
}

/** `./dist/` → `dist`; refuses absolute paths, `..` and the repository root (which holds far more than manifests). */
export function normalizeRepoPath(path: string, field = '--path'): string {
  const hint = 'a folder inside the repository, e.g. dist or deploy/dist';
  const segments = path.trim().replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  if (path.trim().startsWith('/')) throw new GitopsConfigError(field, `"${path}" is absolute`, hint);
  if (segments.length === 0) throw new GitopsConfigError(field, 'the repository root would apply every YAML file in the repository', hint);
  if (segments.includes('..')) throw new GitopsConfigError(field, `"${path}" leaves the repository`, hint);
  return segments.join('/');
}

/**
 * The folders the controllers apply: the whole `dist/` for a single cluster, or `dist/<cluster>/` for each
 * declared cluster, in settings order. Each cluster's folder holds its own `_platform/` and incident folders.
 */
export function deliveryTargets(settings: Pick<DeliverySettings, 'clusters'>, source: Pick<DeliverySource, 'path'>): DeliveryTarget[] {
  if (settings.clusters.length === 0) return [{ path: source.path }];
  return settings.clusters.map((c) => ({ cluster: c.name, path: `${source.path}/${c.name}` }));
}
