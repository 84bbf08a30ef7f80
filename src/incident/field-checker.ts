/**
 * Collects every problem of one declaration file with its field path, so all errors are reported together
 * (a responder at 3 a.m. fixes them in one pass, not one per run).
 */
import type { Problem } from '../errors';

type Json = Record<string, unknown>;

/** Reads untyped declaration data field by field, recording what is wrong and what would be accepted. */
export class FieldChecker {
  readonly problems: Problem[] = [];

  constructor(
    /** File the data came from, relative to the project root. */
    readonly file: string,
  ) {}

  /** Records a problem. */
  report(field: string, message: string, hint?: string): void {
    this.problems.push({ file: this.file, field, message, ...(hint ? { hint } : {}) });
  }

  /** The value as a plain object, or a problem. */
  object(value: unknown, field: string, what = 'an object'): Json | undefined {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Json;
    this.report(field, `is ${describe(value)}`, what);
    return undefined;
  }

  /** The value as an array, or a problem. */
  array(value: unknown, field: string, what = 'a list'): unknown[] | undefined {
    if (Array.isArray(value)) return value;
    this.report(field, `is ${describe(value)}`, what);
    return undefined;
  }

  /** Refuses fields that are not in `allowed` (typos such as `namepsace` must not pass silently). */
  known(object: Json, field: string, allowed: readonly string[]): void {
    for (const key of Object.keys(object)) {
      if (!allowed.includes(key)) this.report(join(field, key), 'is not a known field', allowed.join(', '));
    }
  }

  /** A string field; `required` reports its absence, `singleLine` refuses line breaks. */
  string(object: Json, key: string, field: string, options: { required?: boolean; singleLine?: boolean; hint?: string } = {}): string | undefined {
    const value = object[key];
    const path = join(field, key);
    if (value === undefined) {
      if (options.required) this.report(path, 'is missing', options.hint ?? 'a non-empty string');
      return undefined;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      this.report(path, `is ${describe(value)}`, options.hint ?? 'a non-empty string');
      return undefined;
    }
    if (options.singleLine && /[\r\n\u2028\u2029]/.test(value)) {
      this.report(path, 'contains a line break', 'a single line of text');
      return undefined;
    }
    return value;
  }

  /** A string field restricted to a set of values. */
  oneOf<T extends string>(object: Json, key: string, field: string, values: readonly T[], options: { required?: boolean } = {}): T | undefined {
    const value = object[key];
    if (value === undefined) {
      if (options.required) this.report(join(field, key), 'is missing', values.join(', '));
      return undefined;
    }
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
    this.report(join(field, key), `is ${describe(value)}`, values.join(', '));
    return undefined;
  }

  /** Applies a text check (e.g. a DNS-1123 rule) to a string field. */
  checked(object: Json, key: string, field: string, check: (v: string) => string | undefined, hint: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.string(object, key, field, { ...options, hint });
    if (value === undefined) return undefined;
    const problem = check(value);
    if (problem) {
      this.report(join(field, key), problem, hint);
      return undefined;
    }
    return value;
  }
}

/** `a.b` / `a[0]` path joining. */
export function join(field: string, key: string | number): string {
  if (typeof key === 'number') return `${field}[${key}]`;
  return field ? `${field}.${key}` : key;
}

/** A short, safe description of a wrong value for messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return value === '' ? 'empty' : JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
