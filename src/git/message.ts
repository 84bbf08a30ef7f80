/**
 * The commit message of an Airlock change: subject, optional body, trailer block last. Built by hand (not by an
 * editor or `git commit`) so that it is byte-for-byte what the caller asked for and its trailers are the block
 * git will find.
 */
import { TrailerError } from './errors';
import { formatTrailers, type Trailers } from './trailers';

/** The parts of a commit message. */
export interface CommitMessage {
  /** One line, e.g. `incident(INC-1): isolate pod payments/api-7f9c`. */
  readonly subject: string;
  /** Free text for people; may span lines. */
  readonly body?: string;
  readonly trailers: Trailers;
}

/**
 * Renders the message. The subject must be one line (a newline there would turn part of it into body or
 * trailers). In the body, a line starting with `---` is indented by one space: `git interpret-trailers` and
 * `git am` take such a line for the patch divider and would stop reading before the trailers.
 */
export function formatCommitMessage(message: CommitMessage): string {
  const subject = message.subject.trim();
  if (subject === '') throw new TrailerError('subject', 'empty commit subject', 'one line describing the change');
  if (/[\r\n\u0085\u2028\u2029]/.test(subject)) {
    throw new TrailerError('subject', 'commit subject spans several lines', 'one line; put details in the body');
  }
  const trailers = formatTrailers(message.trailers);
  const body = (message.body ?? '')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => (line.startsWith('---') ? ` ${line}` : line.replace(/\s+$/, '')))
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
  return body === '' ? `${subject}\n\n${trailers}\n` : `${subject}\n\n${body}\n\n${trailers}\n`;
}
