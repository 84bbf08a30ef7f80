/**
 * The points in time Airlock accepts, from incident files and flags alike: ISO 8601 with a time zone, on a
 * date that exists. `Date.parse` alone is too lenient for a record auditors read: it rolls `2026-02-31` over to
 * March 3rd and reads a timestamp without a zone in the local time of whoever runs the command.
 */

/** What a timestamp must look like, for messages. */
export const TIMESTAMP_HINT = 'an ISO 8601 timestamp with a time zone, e.g. "2026-11-22T03:12:00Z"';

/** What `audit --since` accepts, for messages. */
export const DATE_OR_TIMESTAMP_HINT = 'a date (YYYY-MM-DD, from midnight UTC) or an ISO 8601 timestamp with a time zone, e.g. "2026-11-01" or "2026-11-22T03:12:00Z"';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** Days in each month of a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether year, month and day name a day of the calendar (no 31st of February, no month 13). */
function isCalendarDay(year: string, month: string, day: string): boolean {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= MONTH_DAYS[m - 1]! + (m === 2 && leap ? 1 : 0);
}

/**
 * Milliseconds since the epoch of an ISO 8601 timestamp with a time zone (`2026-11-22T03:12:00Z`,
 * `2026-11-22T04:12:00.5+01:00`), or undefined when `text` is not one or names a day or hour that does not exist.
 */
export function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m || !isCalendarDay(m[1]!, m[2]!, m[3]!)) return undefined;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[7] ?? 0) > 59) return undefined;
  if (m[10] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Like {@link parseTimestamp}, but a plain date (`2026-11-01`) is also accepted and means its midnight, UTC. */
export function parseDateOrTimestamp(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return parseTimestamp(text);
  return isCalendarDay(m[1]!, m[2]!, m[3]!) ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
}
