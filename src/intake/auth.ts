/**
 * Authentication of every intake request. An unauthenticated receiver that opens containment pull requests
 * (or commits break-glass to main) would let anyone who can reach it isolate any pod; so there is no
 * anonymous mode. Two ways to prove knowledge of the shared secret:
 *
 * - **Token**: `Authorization: Bearer <secret>` or `X-Airlock-Token: <secret>` — what Falcosidekick
 *   (`webhook.customheaders`) and Alertmanager (`http_config.authorization`) can send. Compared in constant
 *   time over sha256 digests of equal length, so neither the content nor the length of the secret leaks
 *   through timing. Needs TLS, since the secret travels in the request.
 * - **HMAC**: `X-Airlock-Timestamp: <unix seconds>` and `X-Airlock-Signature: sha256=<hex>` where the hex is
 *   HMAC-SHA256(secret, timestamp + "." + raw body). The secret never travels; a timestamp outside the
 *   tolerance is refused (stale), and a signature already accepted is refused until it goes stale (replay).
 *
 * The secret is held as bytes and never appears in a result, an error or a log line.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ReplayCache } from './replay-cache';

/** Which proofs are accepted: `either` (default), or only one of them. */
export type AuthMode = 'token' | 'hmac' | 'either';
/** The modes, for flag validation and help texts. */
export const AUTH_MODES: readonly AuthMode[] = ['token', 'hmac', 'either'];

/** The secret itself, for senders that cannot set `Authorization` (lower-case, as Node presents headers). */
export const TOKEN_HEADER = 'x-airlock-token';
/** Unix seconds the signature was made at; signed along with the body, so it cannot be moved. */
export const TIMESTAMP_HEADER = 'x-airlock-timestamp';
/** `sha256=<hex>` of HMAC-SHA256(secret, timestamp + "." + body). */
export const SIGNATURE_HEADER = 'x-airlock-signature';

/** Default accepted clock difference between signer and server, in seconds. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
/** Default number of signatures remembered against replay. */
export const DEFAULT_REPLAY_CAPACITY = 100_000;
/** Shortest secret accepted: 16 bytes, so a guess is not a matter of minutes. */
export const MIN_SECRET_BYTES = 16;

/** Options of {@link Authenticator}. */
export interface AuthenticatorOptions {
  readonly secret: Buffer;
  /** @default 'either' */
  readonly mode?: AuthMode;
  /** @default DEFAULT_TOLERANCE_SECONDS */
  readonly toleranceSeconds?: number;
  /** @default DEFAULT_REPLAY_CAPACITY */
  readonly replayCapacity?: number;
  /** Clock in milliseconds (tests). @default Date.now */
  readonly now?: () => number;
}

/** Outcome of a check: how the request proved itself, or why it did not (never containing the secret). */
export type AuthResult =
  | { readonly ok: true; readonly method: 'token' | 'hmac' }
  | { readonly ok: false; readonly status: 401 | 429; readonly reason: string };

const digest = (data: Buffer | string): Buffer => createHash('sha256').update(data).digest();

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The headers that sign `body` at `timestampSeconds` (for clients, the benchmark and tests). */
export function signatureHeaders(secret: Buffer | string, body: Buffer | string, timestampSeconds: number): Record<string, string> {
  const ts = String(Math.floor(timestampSeconds));
  const mac = createHmac('sha256', secret).update(`${ts}.`).update(body).digest('hex');
  return { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: `sha256=${mac}` };
}

/** Checks requests against one shared secret. */
export class Authenticator {
  private readonly secret: Buffer;
  private readonly secretDigest: Buffer;
  private readonly replay: ReplayCache;
  readonly mode: AuthMode;
  readonly toleranceSeconds: number;
  private readonly now: () => number;

  constructor(options: AuthenticatorOptions) {
    if (options.secret.length < MIN_SECRET_BYTES) throw new RangeError(`the shared secret is shorter than ${MIN_SECRET_BYTES} bytes`);
    this.secret = Buffer.from(options.secret);
    this.secretDigest = digest(this.secret);
    this.mode = options.mode ?? 'either';
    this.toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    this.replay = new ReplayCache(options.replayCapacity ?? DEFAULT_REPLAY_CAPACITY);
    this.now = options.now ?? Date.now;
  }

  /**
   * Whether the request carries any credential this mode accepts: checked before the body is read, so an
   * anonymous client cannot make the server buffer megabytes.
   */
  presented(headers: IncomingHttpHeaders): boolean {
    const signed = header(headers, SIGNATURE_HEADER) !== undefined;
    const token = header(headers, TOKEN_HEADER) !== undefined || /^Bearer /i.test(header(headers, 'authorization') ?? '');
    return (this.mode !== 'token' && signed) || (this.mode !== 'hmac' && token);
  }

  /** Checks the request's credential against the secret and the raw body. */
  check(headers: IncomingHttpHeaders, body: Buffer): AuthResult {
    const signature = header(headers, SIGNATURE_HEADER);
    if (signature !== undefined && this.mode !== 'token') return this.checkSignature(signature, header(headers, TIMESTAMP_HEADER), body);
    if (this.mode === 'hmac') return { ok: false, status: 401, reason: `missing ${SIGNATURE_HEADER} (this server accepts HMAC-signed requests only)` };
    const bearer = /^Bearer (.+)$/i.exec(header(headers, 'authorization') ?? '');
    const token = header(headers, TOKEN_HEADER) ?? bearer?.[1];
    if (token === undefined) return { ok: false, status: 401, reason: `missing credentials: send Authorization: Bearer <secret>, ${TOKEN_HEADER}, or ${SIGNATURE_HEADER} with ${TIMESTAMP_HEADER}` };
    // Equal-length digests: timingSafeEqual needs equal lengths, and comparing digests hides the secret's length.
    return timingSafeEqual(digest(token), this.secretDigest) ? { ok: true, method: 'token' } : { ok: false, status: 401, reason: 'wrong token' };
  }

  private checkSignature(signature: string, timestamp: string | undefined, body: Buffer): AuthResult {
    if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return { ok: false, status: 401, reason: `missing or malformed ${TIMESTAMP_HEADER} (unix seconds)` };
    const m = /^(?:sha256=)?([0-9a-fA-F]{64})$/.exec(signature.trim());
    if (!m) return { ok: false, status: 401, reason: `malformed ${SIGNATURE_HEADER} (sha256=<64 hex digits>)` };
    const nowMs = this.now();
    const ts = Number(timestamp);
    if (Math.abs(nowMs / 1000 - ts) > this.toleranceSeconds) return { ok: false, status: 401, reason: `stale timestamp: more than ${this.toleranceSeconds} s from the server's clock` };
    const given = Buffer.from(m[1]!, 'hex');
    const expected = createHmac('sha256', this.secret).update(`${timestamp}.`).update(body).digest();
    if (!timingSafeEqual(given, expected)) return { ok: false, status: 401, reason: 'bad signature' };
    const remembered = this.replay.remember(m[1]!.toLowerCase(), (ts + this.toleranceSeconds) * 1000 + 1000, nowMs);
    if (remembered === 'replayed') return { ok: false, status: 401, reason: 'replayed signature' };
    if (remembered === 'full') return { ok: false, status: 429, reason: 'too many signed requests in the tolerance window; retry later' };
    return { ok: true, method: 'hmac' };
  }
}
