/** The manifest YAML emitter reads back, under YAML 1.1 (kubectl, Argo CD, Flux) and 1.2, as the data written. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { toYamlDocument } from '../../src/synth/yaml-emitter';

const TRICKY = [
  'on', 'On', 'OFF', 'yes', 'y', 'n', 'NO', 'null', '~', 'True', '0755', '0x1f', '0o17', '1_000', '1:20', '1e3', '.5', '-1', '+1', '.inf', '-.inf', '.nan',
  '2026-11-22', '2026-11-22T03:12:00Z', 'a: b', 'a:', 'a :b', 'a #b', '#x', '- x', '[a]', '{a}', '*a', '&a', '!t', '%x', '@x', '`x', '"q"', "'s'", 'a\nb',
  '  lead', 'trail ', '', 'ünïcode', 'a/b.c-d_e', 'kubernetes.io/metadata.name', 'x\u2028y', '\t', 'a,b', '?x', '|', '>', 'a\\b', 'sha256:abc', '10.0.0.0/8',
  '::1', 'Cryptominer in payments/checkout', 'x  y', 'k8s:', '=', '<<', 'a\u0000b',
];

function roundTrips(value: Record<string, unknown>): void {
  const text = toYamlDocument(value);
  assert.deepEqual(parse(text, { version: '1.1' }), value, text);
  assert.deepEqual(parse(text), value, text);
}

test('strings that YAML would read as booleans, numbers, dates or syntax stay strings', () => {
  roundTrips({ values: TRICKY, keys: Object.fromEntries(TRICKY.map((s, i) => [s || `empty-${i}`, s])) });
});

test('nested lists and maps, empty ones, numbers, booleans and null keep their shape', () => {
  roundTrips({ a: [{ b: 1, c: [1, 2, { d: [] }], e: {} }, [], {}, [1, [2, 3]], null, true, false, 0, -3.5], f: [], g: {}, h: { i: { j: 'k' } } });
});

test('random strings over an alphabet of YAML indicators round-trip', () => {
  const alphabet = [...'aZ09 :#-?[]{},&*!|>\'"%@`.\\/\t\n_~+=<'];
  let seed = 42;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const strings = Array.from({ length: 2000 }, () => Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''));
  roundTrips({ strings, map: Object.fromEntries(strings.map((s, i) => [`${s}${i}`, s])) });
});
