/**
 * POSIX shell quoting for the commands the runbook prints. Values are validated before they get here; quoting
 * anyway means a future field that is not (a pod name from an alert, say) still cannot run as a command.
 */

/** The argument as one shell word: bare when it is plainly safe, single-quoted otherwise. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line from argument words. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
