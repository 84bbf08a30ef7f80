/** The timestamps incident files and flags accept (src/incident/timestamp.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDateOrTimestamp, parseTimestamp } from '../../src/incident/timestamp';

test('ISO 8601 timestamps with a zone read as the instant they name', () => {
  assert.equal(parseTimestamp('2026-11-22T03:12:00Z'), Date.UTC(2026, 10, 22, 3, 12));
  assert.equal(parseTimestamp('2026-11-22T04:12:00.5+01:00'), Date.UTC(2026, 10, 22, 3, 12, 0, 500));
  assert.equal(parseTimestamp('2026-11-22T03:12Z'), Date.UTC(2026, 10, 22, 3, 12));
});

test('days and hours that do not exist are refused, not rolled over', () => {
  for (const text of ['2026-02-31T00:00:00Z', '2026-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-00T00:00:00Z', '2026-11-01T24:00:00Z', '2026-11-01T23:60:00Z', '2026-11-01T23:59:60Z', '2026-11-01T00:00:00+24:00']) {
    assert.equal(parseTimestamp(text), undefined, text);
  }
  assert.equal(parseTimestamp('2028-02-29T00:00:00Z'), Date.UTC(2028, 1, 29), 'a leap day');
  assert.equal(parseTimestamp('2000-02-29T00:00:00Z'), Date.UTC(2000, 1, 29), 'divisible by 400: a leap year');
  assert.equal(parseTimestamp('2100-02-29T00:00:00Z'), undefined, 'divisible by 100 only: not a leap year');
});

test('a timestamp without a zone, or in another format, is refused', () => {
  for (const text of ['2026-11-22T03:12:00', '2026-11-22 03:12:00Z', '22/11/2026', '1796650051', '', 'now']) assert.equal(parseTimestamp(text), undefined, text);
});

test('a plain date means its midnight UTC where dates are accepted, and only there', () => {
  assert.equal(parseDateOrTimestamp('2026-11-01'), Date.UTC(2026, 10, 1));
  assert.equal(parseDateOrTimestamp('2026-11-01T00:30:00Z'), Date.UTC(2026, 10, 1, 0, 30));
  assert.equal(parseDateOrTimestamp('2026-02-31'), undefined);
  assert.equal(parseTimestamp('2026-11-01'), undefined);
});
