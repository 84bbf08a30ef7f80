/**
 * Pull requests (GitHub) and merge requests (GitLab) for proposed containment: the reviewer's view of a change,
 * with the containment plan as its body. Opening is idempotent per branch: proposing the same incident again
 * updates the open request for `airlock/<id>` instead of opening a second one.
 *
 * The token is read from an environment variable whose *name* is configured (settings live in git; secrets must
 * not). It is sent only in the auth header and never appears in errors or return values.
 */
import { ForgeConfigError } from './errors';
import { forgeHttp, type ForgeHttp } from './forge-http';
import { upsertGitHubPullRequest } from './github';
import { upsertGitLabMergeRequest } from './gitlab';

/** A GitHub repository; `baseUrl` is `https://api.github.com` or, for GitHub Enterprise, `https://host/api/v3`. */
export interface GitHubForgeConfig {
  readonly kind: 'github';
  readonly baseUrl?: string;
  readonly owner: string;
  readonly repo: string;
  /** Name of the environment variable holding the token, e.g. `GITHUB_TOKEN`. */
  readonly tokenEnv: string;
}

/** A GitLab project; `project` is its numeric id or its path (`group/sub/project`); `baseUrl` ends in `/api/v4`. */
export interface GitLabForgeConfig {
  readonly kind: 'gitlab';
  readonly baseUrl?: string;
  readonly project: string;
  /** Name of the environment variable holding the token, e.g. `GITLAB_TOKEN`. */
  readonly tokenEnv: string;
}

/** Which forge, where, and where its token is. */
export type ForgeConfig = GitHubForgeConfig | GitLabForgeConfig;

/** The request to open or update. */
export interface ChangeRequestInput {
  /** Source branch (already pushed), e.g. `airlock/inc-1`. */
  readonly branch: string;
  /** Target branch, e.g. `main`. */
  readonly base: string;
  readonly title: string;
  /** Markdown: the containment plan. Long plans are truncated to the forge's limit, with a note saying so. */
  readonly body: string;
  /** Added to the request; labels people added by hand are kept. */
  readonly labels?: readonly string[];
}

/** The open request after the call. */
export interface ChangeRequest {
  readonly forge: ForgeConfig['kind'];
  /** Pull request number (GitHub) or merge request iid (GitLab). */
  readonly number: number;
  /** Web page of the request. */
  readonly url: string;
  /** True when this call opened it, false when it updated an open one. */
  readonly created: boolean;
}

/** Test and embedding seams; the defaults are the process environment and the global fetch. */
export interface ForgeCallOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/** Opens the pull/merge request for `input.branch`, or updates the one already open (title, body, labels). */
export async function openOrUpdateChangeRequest(
  config: ForgeConfig,
  input: ChangeRequestInput,
  options: ForgeCallOptions = {},
): Promise<ChangeRequest> {
  const token = readForgeToken(config.tokenEnv, options.env ?? process.env);
  const common = { secret: token, tokenEnv: config.tokenEnv, ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) };
  switch (config.kind) {
    case 'github': {
      const http: ForgeHttp = forgeHttp({
        ...common,
        forge: 'GitHub',
        baseUrl: apiBaseUrl(config.baseUrl, 'https://api.github.com'),
        headers: {
          Accept: 'application/vnd.github+json',
          Authorization: `Bearer ${token}`,
          'X-GitHub-Api-Version': '2022-11-28',
          'User-Agent': 'airlock',
        },
      });
      return upsertGitHubPullRequest(config, input, http);
    }
    case 'gitlab': {
      const http: ForgeHttp = forgeHttp({
        ...common,
        forge: 'GitLab',
        baseUrl: apiBaseUrl(config.baseUrl, 'https://gitlab.com/api/v4'),
        headers: { Accept: 'application/json', 'PRIVATE-TOKEN': token, 'User-Agent': 'airlock' },
      });
      return upsertGitLabMergeRequest(config, input, http);
    }
  }
}

/** Reads the token from the named variable; the error names the variable, never a value. */
export function readForgeToken(tokenEnv: string, env: Readonly<Record<string, string | undefined>>): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv)) {
    throw new ForgeConfigError(`tokenEnv '${tokenEnv}' is not an environment variable name`, 'the NAME of the variable holding the token, e.g. GITHUB_TOKEN');
  }
  const token = env[tokenEnv]?.trim();
  if (!token) {
    throw new ForgeConfigError(`environment variable ${tokenEnv} is not set`, `export ${tokenEnv} with a token that may open pull/merge requests`);
  }
  if (/[\r\n]/.test(token)) throw new ForgeConfigError(`environment variable ${tokenEnv} holds more than one line`, 'the token alone, on one line');
  return token;
}

/** The API root without a trailing slash; only http(s) URLs without credentials are accepted. */
export function apiBaseUrl(configured: string | undefined, fallback: string): string {
  const raw = (configured ?? fallback).trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ForgeConfigError(`forge base URL '${raw}' is not a URL`, 'e.g. https://github.example.com/api/v3 or https://gitlab.example.com/api/v4');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash) {
    throw new ForgeConfigError(`forge base URL '${url.protocol}//${url.host}${url.pathname}' is not a plain http(s) API root`, 'https://host/api/v3 (GitHub Enterprise) or https://host/api/v4 (GitLab), without credentials or query');
  }
  return raw.replace(/\/+$/, '');
}

/** Cuts a body to `limit` characters, saying so at the end, so the forge accepts it instead of failing the call. */
export function fitBody(body: string, limit: number): string {
  if (body.length <= limit) return body;
  const note = '\n\n_(truncated to fit the forge; run `airlock plan` for the full plan)_';
  return body.slice(0, limit - note.length) + note;
}
