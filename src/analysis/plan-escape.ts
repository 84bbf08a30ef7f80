/**
 * Escaping for the plan's renderers. Pod, workload, namespace and policy names come from an inventory that may
 * be crafted (an inventory file is not validated by the API server), and the plan lands in a pull-request
 * body and a terminal: no name may break a Markdown table, open a Mermaid statement, ping people, reorder text
 * with bidirectional controls, or send escape sequences to a terminal.
 */

/** Control, zero-width and bidirectional-override characters: never shown as they are. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/** Replaces invisible and control characters with U+FFFD, so what a reviewer reads is what is there. */
export function visible(text: string): string {
  return text.replace(INVISIBLE, '\ufffd');
}

const MARKDOWN_SAFE = /^[A-Za-z0-9 .,;:?!%/=+()'"-]$/u;

/**
 * Prose for Markdown: every character outside a small safe set becomes a numeric entity (which Markdown
 * never interprets as syntax), and `@` is followed by a word joiner so that no name mentions anyone.
 */
export function escapeMarkdown(text: string): string {
  let out = '';
  for (const ch of visible(text)) {
    if (MARKDOWN_SAFE.test(ch)) out += ch;
    else if (ch === '@') out += '&#64;&#8288;';
    else out += `&#${ch.codePointAt(0)};`;
  }
  return out;
}

/**
 * A name in a Markdown code span, literal whatever it contains: the fence is longer than any backtick run
 * inside, and `|` is escaped so a table cell cannot be split (GitHub tables split cells before code spans).
 */
export function markdownCode(text: string): string {
  const clean = visible(text).replace(/\|/g, '\\|');
  if (clean === '') return '` `';
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') || clean.startsWith(' ') || clean.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

const MERMAID_SAFE = /^[A-Za-z0-9 .,:/=+_-]$/u;

/**
 * Text for a quoted Mermaid label (`id["…"]`, `-->|"…"|`): characters outside a safe set become Mermaid entity
 * codes (`#35;`), so quotes, brackets, pipes, semicolons, backticks and newlines cannot end the label, the
 * statement or the fenced block.
 */
export function mermaidLabel(text: string): string {
  let out = '';
  for (const ch of visible(text)) out += MERMAID_SAFE.test(ch) ? ch : `#${ch.codePointAt(0)};`;
  return out;
}

/** Text for a terminal: no escape sequences, no control characters, no bidirectional overrides. */
export function terminalText(text: string): string {
  return visible(text);
}
