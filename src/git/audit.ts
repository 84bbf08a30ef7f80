/**
 * The audit trail, read back from git history: one entry per Airlock commit (a commit whose trailers name an
 * incident), newest first. Trailers are parsed by git itself (`%(trailers)`), so the audit reads exactly what
 * `git log` shows an auditor; a commit with malformed trailers is listed with its problems, never dropped.
 */
import { GitDeliveryError } from './errors';
import { GitCommandError, openWorkTree } from './runner';
import { parseTrailerLines, readAirlockTrailers, type AirlockAction } from './trailers';

/** Git's verdict on a commit signature (`%G?`), in words. */
export type SignatureStatus =
  | 'good'
  | 'good-unknown-validity'
  | 'bad'
  | 'expired-signature'
  | 'expired-key'
  | 'revoked-key'
  | 'cannot-check'
  | 'unsigned';

/** One Airlock commit. */
export interface AuditEntry {
  readonly commit: string;
  /** Author date, ISO 8601 with offset: when the responder made the change. */
  readonly date: string;
  /** Committer date, ISO 8601: when this commit was made (a retried push recommits, so it can be later). */
  readonly committedAt: string;
  readonly author: { readonly name: string; readonly email: string };
  readonly subject: string;
  readonly incident: string;
  /** `unknown` when the commit's action trailer is missing or not understood (see `problems`). */
  readonly action: AirlockAction | 'unknown';
  readonly severity?: string;
  readonly alerts: readonly string[];
  /** The break-glass reason: the commit skipped review. */
  readonly breakGlass?: string;
  /** Present when `verifySignatures` was asked for. */
  readonly signature?: SignatureStatus;
  /** Trailers that did not read cleanly; empty for a well-formed commit. */
  readonly problems: readonly string[];
}

/** Inputs of {@link auditLog}. */
export interface AuditOptions {
  /** Any directory inside the repository. */
  readonly cwd: string;
  /** Where to read history from, e.g. `origin/main` for what landed. Default `HEAD`. */
  readonly ref?: string;
  /** Only this incident's commits (exact id). */
  readonly incident?: string;
  /** Only commits made at or after this instant (committer date; a retried push recommits, never earlier). */
  readonly since?: Date;
  /** Ask git to verify signatures (runs gpg/ssh verification per signed commit, hence opt-in). */
  readonly verifySignatures?: boolean;
}

const SIGNATURES: Readonly<Record<string, SignatureStatus>> = {
  G: 'good',
  U: 'good-unknown-validity',
  B: 'bad',
  X: 'expired-signature',
  Y: 'expired-key',
  R: 'revoked-key',
  E: 'cannot-check',
  N: 'unsigned',
};

/** Separates fields of one commit; trailers are separated by \x1d; commits by NUL (`-z`). */
const FIELD = '\x1f';
const TRAILER = '\x1d';

/** Reads every Airlock commit reachable from `ref`, newest first. An empty repository has an empty trail. */
export async function auditLog(options: AuditOptions): Promise<AuditEntry[]> {
  const git = await openWorkTree(options.cwd);
  const ref = options.ref ?? 'HEAD';
  if (ref.startsWith('-')) throw new GitDeliveryError('audit', `'${ref}' is not a git ref`, 'a branch, tag or commit, e.g. origin/main');
  const resolved = await git.attempt(['rev-parse', '--verify', '-q', '--end-of-options', `${ref}^{commit}`]);
  if (resolved.exitCode !== 0) {
    if (ref === 'HEAD') return []; // no commits yet
    throw new GitDeliveryError(`read history of ${ref}`, `'${ref}' is not a known branch or commit`, 'fetch first, or name a branch such as origin/main');
  }
  const fields = ['%H', '%aI', '%cI', '%an', '%ae', '%s', `%(trailers:only,unfold,separator=%x1d)`];
  if (options.verifySignatures) fields.push('%G?');
  const args = ['log', '-z', `--format=${fields.join('%x1f')}`, '--regexp-ignore-case', '--extended-regexp', '--grep=^airlock-incident[[:space:]]*:'];
  // As seconds since the epoch: git's own date parser takes anything ("notadate" means now) and fills a plain
  // date's time of day from the clock.
  if (options.since !== undefined) args.push(`--since=@${Math.floor(options.since.getTime() / 1000)}`);
  args.push('--end-of-options', resolved.stdout.trim(), '--');
  let out: string;
  try {
    out = await git.run(args);
  } catch (error) {
    throw new GitDeliveryError(`read history of ${ref}`, error instanceof GitCommandError ? error.reason : String(error), 'check the ref');
  }
  const entries: AuditEntry[] = [];
  for (const record of out.split('\0')) {
    if (record.trim() === '') continue;
    const [commit, date, committedAt, name, email, subject, trailerText, signature] = record.replace(/^\n/, '').split(FIELD);
    const parsed = readAirlockTrailers(parseTrailerLines((trailerText ?? '').split(TRAILER)));
    if (parsed.incident === undefined) continue; // "Airlock-Incident:" in a body, not in the trailer block
    if (options.incident !== undefined && parsed.incident !== options.incident) continue;
    entries.push({
      commit: commit!,
      date: date!,
      committedAt: committedAt!,
      author: { name: name!, email: email! },
      subject: subject!,
      incident: parsed.incident,
      action: parsed.action,
      ...(parsed.severity !== undefined ? { severity: parsed.severity } : {}),
      alerts: parsed.alerts,
      ...(parsed.breakGlass !== undefined ? { breakGlass: parsed.breakGlass } : {}),
      ...(options.verifySignatures ? { signature: SIGNATURES[(signature ?? '').trim()] ?? 'cannot-check' } : {}),
      problems: parsed.problems,
    });
  }
  return entries;
}
