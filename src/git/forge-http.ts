/**
 * JSON over HTTPS to a forge's REST API, with Node's global fetch. Its one job beyond fetch: failures become
 * {@link ForgeRequestError}s that name the method, the endpoint and the status, with the token scrubbed from
 * anything the server said, and a hint per status.
 */
import { ForgeRequestError, redact } from './errors';

/** A forge API bound to a base URL and auth headers. */
export interface ForgeHttp {
  /** Sends a request (`path` starts with `/`, query included) and returns the parsed JSON reply. */
  request<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT', path: string, body?: unknown): Promise<ForgeReply<T>>;
}

/** A successful reply. */
export interface ForgeReply<T> {
  readonly status: number;
  readonly data: T;
}

/** How to reach the forge. */
export interface ForgeHttpOptions {
  /** API root without a trailing slash, e.g. `https://api.github.com` or `https://gitlab.example/api/v4`. */
  readonly baseUrl: string;
  /** Headers on every request (authentication included). */
  readonly headers: Readonly<Record<string, string>>;
  /** The token, only so it can be scrubbed from error text. */
  readonly secret: string;
  /** Forge name for messages, e.g. `GitHub`. */
  readonly forge: string;
  /** Name of the environment variable holding the token, for hints. */
  readonly tokenEnv: string;
  readonly timeoutMs?: number;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
}

/** Creates the client. */
export function forgeHttp(options: ForgeHttpOptions): ForgeHttp {
  const doFetch = options.fetch ?? fetch;
  return {
    async request<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT', path: string, body?: unknown): Promise<ForgeReply<T>> {
      const url = `${options.baseUrl}${path}`;
      let response: Response;
      try {
        response = await doFetch(url, {
          method,
          headers: { ...options.headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
          redirect: 'error',
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const what = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
        throw new ForgeRequestError(method, url, undefined, `could not reach ${options.forge}: ${redact(what, options.secret)}`, `check the forge base URL and the network`);
      }
      const text = await response.text();
      if (!response.ok) {
        throw new ForgeRequestError(method, url, response.status, redact(describeFailure(text), options.secret), hintFor(response.status, options));
      }
      try {
        return { status: response.status, data: (text === '' ? null : JSON.parse(text)) as T };
      } catch {
        throw new ForgeRequestError(method, url, response.status, 'the reply is not JSON', `check that the base URL points at the ${options.forge} API`);
      }
    },
  };
}

/** The server's own explanation, from GitHub (`message`, `errors[]`) or GitLab (`message`, `error`) replies. */
function describeFailure(text: string): string {
  let reason = text.trim();
  try {
    const json = JSON.parse(text) as { message?: unknown; error?: unknown; errors?: unknown };
    const parts: string[] = [];
    if (typeof json.message === 'string') parts.push(json.message);
    else if (json.message !== undefined) parts.push(JSON.stringify(json.message));
    if (typeof json.error === 'string') parts.push(json.error);
    if (Array.isArray(json.errors)) {
      for (const e of json.errors) parts.push(typeof e === 'string' ? e : typeof e?.message === 'string' ? e.message : JSON.stringify(e));
    }
    if (parts.length > 0) reason = parts.join('; ');
  } catch {
    // not JSON: keep the text
  }
  reason = reason.replace(/\s+/g, ' ');
  return reason.length > 300 ? `${reason.slice(0, 297)}...` : reason;
}

function hintFor(status: number, options: ForgeHttpOptions): string {
  switch (status) {
    case 401:
      return `the token in $${options.tokenEnv} was not accepted; check that it is valid and not expired`;
    case 403:
      return `the token in $${options.tokenEnv} lacks permission (pull requests / merge requests: write), or a rate limit was hit`;
    case 404:
      return `check the ${options.forge} project settings (owner/repo or project path, base URL) and that the token can see the project`;
    case 409:
    case 422:
      return `${options.forge} refused the request as invalid; the message above says why (e.g. the branch was not pushed, or has no commits)`;
    default:
      return status >= 500 ? `${options.forge} is failing; try again shortly` : `see the ${options.forge} API documentation for HTTP ${status}`;
  }
}
