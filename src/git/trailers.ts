/**
 * Commit trailers: the machine-readable half of every Airlock commit, and the only thing `airlock audit` trusts.
 *
 * Writing is strict (a value is one line, so no value can smuggle in another trailer); reading follows
 * `git interpret-trailers --parse` so that what Airlock reads is what git and every other tool reads.
 */
import { TrailerError } from './errors';

/** Trailer keys, spelled as they appear in commits. Git compares keys case-insensitively; so does the parser. */
export const TrailerKey = {
  incident: 'Airlock-Incident',
  action: 'Airlock-Action',
  severity: 'Airlock-Severity',
  alert: 'Airlock-Alert',
  breakGlass: 'Airlock-Break-Glass',
} as const;
export type TrailerKey = (typeof TrailerKey)[keyof typeof TrailerKey];

/**
 * What a commit does to its incident; lifting is a commit too, so history alone tells the story. `label` and
 * `restore` record the explicit step of (un)labelling a live pod (`airlock label`): commits with no file change.
 */
export type AirlockAction = 'contain' | 'update' | 'lift' | 'label' | 'restore';

/** The accepted actions, for validation and help texts. */
export const AIRLOCK_ACTIONS: readonly AirlockAction[] = ['contain', 'update', 'lift', 'label', 'restore'];

/** Whether a string read back from history is one of the actions this version knows. */
export function isAirlockAction(value: string): value is AirlockAction {
  return (AIRLOCK_ACTIONS as readonly string[]).includes(value);
}

/** The trailers of one Airlock commit. */
export interface Trailers {
  /** Incident id, e.g. `INC-2024-0042`. */
  readonly incident: string;
  readonly action: AirlockAction;
  readonly severity?: string;
  /** Alert ids the incident came from; one `Airlock-Alert` line each, in this order. */
  readonly alerts?: readonly string[];
  /** Why the review was skipped; present exactly on break-glass commits. */
  readonly breakGlass?: string;
}

/** One `Key: value` line as git parses it (continuation lines unfolded). */
export interface TrailerLine {
  readonly key: string;
  readonly value: string;
}

/** Characters that would end a line, or hide one, in a commit message. */
const LINE_BREAKING = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/;

/**
 * Checks one trailer value and returns it trimmed (git trims values too). Throws {@link TrailerError} for a value
 * that is empty or spans lines: rejecting is safer than folding for values a person typed, because a folded
 * value silently differs from what they meant. Callers with untrusted multi-line text can {@link foldTrailerValue}
 * first, deliberately.
 */
export function checkTrailerValue(key: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new TrailerError(key, 'empty value', 'a non-empty single line of text');
  if (LINE_BREAKING.test(trimmed)) {
    throw new TrailerError(
      key,
      'value contains a line break or control character, which could forge another trailer',
      'a single line of text (fold it with foldTrailerValue if it comes from a multi-line source)',
    );
  }
  return trimmed;
}

/**
 * Folds untrusted text (an alert summary, a reason pasted from chat) into one safe line: every run of whitespace
 * and control characters becomes one space. Use it knowingly; {@link formatTrailers} itself never folds.
 */
export function foldTrailerValue(text: string): string {
  return text.replace(/[\s\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').trim();
}

/**
 * Renders the trailer block, one `Key: value` per line, in a fixed order (incident, action, severity, alerts,
 * break-glass) so that identical changes give identical messages. Throws {@link TrailerError} on unsafe values.
 */
export function formatTrailers(trailers: Trailers): string {
  const action: string = trailers.action;
  if (!isAirlockAction(action)) {
    throw new TrailerError(TrailerKey.action, `unknown action '${action}'`, AIRLOCK_ACTIONS.join(' | '));
  }
  const lines: TrailerLine[] = [
    { key: TrailerKey.incident, value: checkTrailerValue(TrailerKey.incident, trailers.incident) },
    { key: TrailerKey.action, value: action },
  ];
  if (trailers.severity !== undefined) {
    lines.push({ key: TrailerKey.severity, value: checkTrailerValue(TrailerKey.severity, trailers.severity) });
  }
  for (const alert of trailers.alerts ?? []) {
    lines.push({ key: TrailerKey.alert, value: checkTrailerValue(TrailerKey.alert, alert) });
  }
  if (trailers.breakGlass !== undefined) {
    lines.push({ key: TrailerKey.breakGlass, value: checkTrailerValue(TrailerKey.breakGlass, trailers.breakGlass) });
  }
  return lines.map((l) => `${l.key}: ${l.value}`).join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Reading: a port of git's trailer.c (find_patch_start, find_trailer_start, find_separator), default settings:
// separator ':', comment character '#', no configured trailer keys.

const GIT_GENERATED_PREFIXES = ['Signed-off-by: ', '(cherry picked from commit '];

function isBlank(line: string): boolean {
  return /^[ \t\r\f\v]*$/.test(line);
}

/** Git's find_separator: position of ':' after a token of [A-Za-z0-9-] and optional whitespace, else -1. */
function findSeparator(line: string): number {
  let whitespaceFound = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ':') return i;
    if (!whitespaceFound && /[A-Za-z0-9-]/.test(c)) continue;
    if (i !== 0 && (c === ' ' || c === '\t')) {
      whitespaceFound = true;
      continue;
    }
    break;
  }
  return -1;
}

/** The lines of the trailer block of a message, or none; same rules as git. */
function trailerBlock(message: string): string[] {
  let lines = message.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  // The patch divider ends the message (`---` followed by whitespace or the end of the line).
  const divider = lines.findIndex((l) => /^---(\s|$)/.test(l));
  if (divider >= 0) lines = lines.slice(0, divider);
  // Trailing comment and blank lines are not part of the message.
  while (lines.length > 0 && (isBlank(lines[lines.length - 1]!) || lines[lines.length - 1]!.startsWith('#'))) lines.pop();
  // The first paragraph is the title and cannot hold trailers.
  let endOfTitle = 0;
  while (endOfTitle < lines.length && (lines[endOfTitle]!.startsWith('#') || !isBlank(lines[endOfTitle]!))) endOfTitle++;

  let onlySpaces = true;
  let recognizedPrefix = false;
  let trailerLines = 0;
  let nonTrailerLines = 0;
  let possibleContinuation = 0;
  for (let i = lines.length - 1; i >= endOfTitle; i--) {
    const line = lines[i]!;
    if (line.startsWith('#')) {
      nonTrailerLines += possibleContinuation;
      possibleContinuation = 0;
      continue;
    }
    if (isBlank(line)) {
      if (onlySpaces) continue;
      nonTrailerLines += possibleContinuation;
      const isBlock = (recognizedPrefix && trailerLines * 3 >= nonTrailerLines) || (trailerLines > 0 && nonTrailerLines === 0);
      return isBlock ? lines.slice(i + 1) : [];
    }
    onlySpaces = false;
    if (GIT_GENERATED_PREFIXES.some((p) => line.startsWith(p))) {
      trailerLines++;
      possibleContinuation = 0;
      recognizedPrefix = true;
      continue;
    }
    if (findSeparator(line) >= 1 && !/^\s/.test(line)) {
      trailerLines++;
      possibleContinuation = 0;
    } else if (/^\s/.test(line)) {
      possibleContinuation++;
    } else {
      nonTrailerLines += 1 + possibleContinuation;
      possibleContinuation = 0;
    }
  }
  return [];
}

/**
 * Parses the trailers of a whole commit message the way `git interpret-trailers --parse` does (only trailers,
 * continuation lines unfolded, `Key : value` normalised to `Key: value`), in order, repeats kept.
 */
export function parseTrailers(message: string): TrailerLine[] {
  const out: { key: string; value: string }[] = [];
  for (const line of trailerBlock(message)) {
    if (line.startsWith('#')) continue;
    if (/^\s/.test(line)) {
      const last = out[out.length - 1];
      if (last && line.trim() !== '') last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const sep = findSeparator(line);
    if (sep < 1) continue;
    out.push({ key: line.slice(0, sep).trim(), value: line.slice(sep + 1).trim() });
  }
  return out;
}

/**
 * Parses `Key: value` lines as git prints them (`interpret-trailers --parse`, `%(trailers:only,unfold)`), one per
 * line; lines without a separator are skipped.
 */
export function parseTrailerLines(lines: readonly string[]): TrailerLine[] {
  const out: TrailerLine[] = [];
  for (const line of lines) {
    const sep = line.indexOf(':');
    if (sep < 1) continue;
    out.push({ key: line.slice(0, sep).trim(), value: line.slice(sep + 1).trim() });
  }
  return out;
}

/**
 * Airlock's reading of a commit's trailers, tolerant because history is what it is: a commit with an unknown action
 * or a repeated incident is reported with its problems, never hidden from the auditor.
 */
export interface ParsedAirlockTrailers {
  /** Undefined when the commit is not an Airlock commit. */
  readonly incident?: string;
  /** `unknown` when the trailer is missing or holds a value this version does not know (see `problems`). */
  readonly action: AirlockAction | 'unknown';
  readonly severity?: string;
  readonly alerts: readonly string[];
  readonly breakGlass?: string;
  /** What did not read cleanly, in words for the audit table. */
  readonly problems: readonly string[];
}

/** Picks Airlock's trailers out of parsed trailer lines (keys case-insensitive, as in git). */
export function readAirlockTrailers(lines: readonly TrailerLine[]): ParsedAirlockTrailers {
  const values = (key: TrailerKey): string[] =>
    lines.filter((l) => l.key.toLowerCase() === key.toLowerCase()).map((l) => l.value);
  const problems: string[] = [];
  const single = (key: TrailerKey): string | undefined => {
    const found = values(key);
    if (found.length > 1) problems.push(`${key} appears ${found.length} times; the first is used`);
    return found[0];
  };
  const incident = single(TrailerKey.incident);
  const rawAction = single(TrailerKey.action);
  let action: AirlockAction | 'unknown' = 'unknown';
  if (rawAction === undefined) {
    if (incident !== undefined) problems.push(`${TrailerKey.action} is missing`);
  } else if (isAirlockAction(rawAction)) {
    action = rawAction;
  } else {
    problems.push(`${TrailerKey.action} '${rawAction}' is not one of ${AIRLOCK_ACTIONS.join(', ')}`);
  }
  const severity = single(TrailerKey.severity);
  const breakGlass = single(TrailerKey.breakGlass);
  return {
    ...(incident !== undefined ? { incident } : {}),
    action,
    ...(severity !== undefined ? { severity } : {}),
    alerts: values(TrailerKey.alert),
    ...(breakGlass !== undefined ? { breakGlass } : {}),
    problems,
  };
}
