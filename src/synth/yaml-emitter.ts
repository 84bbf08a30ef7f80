/**
 * A YAML emitter for plain JSON data (objects, arrays, strings, numbers, booleans, null): the manifests
 * Airlock writes. It exists because it is on the hot path — the general `yaml` library builds a document
 * tree per object and was three quarters of synthesis time for thousands of incidents (BENCHMARKS.md).
 *
 * Strings are written plain only when no YAML 1.1 or 1.2 parser could read them as anything but that string
 * (kubectl, Argo CD and Flux use YAML 1.1 parsers, where `on`, `yes`, `0755` and `1_000` are not strings);
 * everything else is written as a JSON string, which is valid double-quoted YAML. Tests round-trip it
 * through a YAML 1.1 parser.
 */

/**
 * A conservative plain scalar: starts with a letter or digit, then letters, digits, spaces and `._/:-`, with
 * no `: ` (a mapping) and no trailing `:` or space.
 */
const PLAIN = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]|:(?! )| (?! |$))*$/;
/** YAML 1.1 booleans and nulls (any case as the 1.1 spec lists them), which must be quoted. */
const RESERVED = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;
/** Anything that starts like a number, a date or a sexagesimal value in YAML 1.1 or 1.2 is quoted. */
const NUMERIC_START = /^[0-9]/;
const NUMBER_LIKE = /^[-+]?(?:\.?[0-9]|\.(?:inf|Inf|INF|nan|NaN|NAN)$)/;

function scalarString(value: string): string {
  if (PLAIN.test(value) && !value.endsWith(':') && !RESERVED.test(value) && !NUMERIC_START.test(value) && !NUMBER_LIKE.test(value)) return value;
  return JSON.stringify(value);
}

function scalar(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return scalarString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as YAML`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  throw new TypeError(`cannot write a ${typeof value} as YAML`);
}

function isCollection(value: unknown): value is Record<string, unknown> | unknown[] {
  return value !== null && typeof value === 'object';
}

function isEmpty(value: Record<string, unknown> | unknown[]): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

function emit(value: unknown, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmpty(item)) {
        // "- " then the first line of the item on the same line, the rest indented under it.
        const inner: string[] = [];
        emit(item, `${indent}  `, inner);
        out.push(`${indent}- ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1));
      } else {
        out.push(`${indent}- ${isCollection(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`);
      }
    }
    return;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item === undefined) continue;
    const k = scalarString(key);
    if (isCollection(item) && !isEmpty(item)) {
      out.push(`${indent}${k}:`);
      emit(item, `${indent}  `, out);
    } else {
      out.push(`${indent}${k}: ${isCollection(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`);
    }
  }
}

/** One YAML document for a JSON object, ending in a newline. */
export function toYamlDocument(value: Record<string, unknown>): string {
  const out: string[] = [];
  emit(value, '', out);
  return `${out.join('\n')}\n`;
}
