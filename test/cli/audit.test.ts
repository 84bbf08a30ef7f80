/**
 * `airlock audit` end to end on a real git history: a containment proposed on a branch and merged later, a
 * break-glass lift; the timeline's landing times, time to contain, Markdown, and the HTML report rendered in
 * headless Chromium (Debian's chromium driven by playwright-core; .ci/run installs it).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { airlock, incidentSource } from '../support/project';
import { git, gitProject } from '../support/git-project';
import { tempDir } from '../support/temp-dir';

const CHROMIUM = '/usr/bin/chromium';
const INCIDENT = incidentSource('INC-1', `isolate({ namespace: 'payments', pod: 'checkout-1' })`);

/** A history: INC-1 proposed on airlock/inc-1, merged with --no-ff at a fixed time, then lifted break-glass. */
function history(): { root: string } {
  const { root } = gitProject({ 'INC-1.ts': INCIDENT });
  assert.equal(airlock(root, ['propose', 'INC-1']).status, 0);
  const reviewer = tempDir('airlock-reviewer-');
  const remote = git(root, 'remote', 'get-url', 'origin').trim();
  git(reviewer, 'clone', '--quiet', remote, 'clone');
  const clone = path.join(reviewer, 'clone');
  execFileSync('git', ['merge', '--quiet', '--no-ff', '-m', 'Merge pull request #1 from airlock/inc-1', 'origin/airlock/inc-1'], {
    cwd: clone,
    env: { ...process.env, GIT_COMMITTER_DATE: '2026-11-22T03:40:00Z', GIT_AUTHOR_DATE: '2026-11-22T03:40:00Z' },
  });
  git(clone, 'push', '--quiet', 'origin', 'main');
  git(root, 'fetch', '--quiet', 'origin');
  git(root, 'reset', '--quiet', '--hard', 'origin/main');
  assert.equal(airlock(root, ['lift', 'INC-1', '--reason', 'contained', '--direct']).status, 0);
  git(root, 'fetch', '--quiet', 'origin');
  return { root };
}

describe('airlock audit', () => {
  const { root } = history();

  test('the timeline knows when the containment landed and the time to contain', () => {
    const result = airlock(root, ['audit', '--ref', 'origin/main', '--json']);
    assert.equal(result.status, 0, result.stderr);
    const [timeline] = JSON.parse(result.stdout).timelines as Array<{ incident: string; containedAt: string; openedAt: string; timeToContainMs: number; liftedAt?: string; breakGlass: number; events: Array<{ action: string }> }>;
    assert.equal(timeline.incident, 'INC-1');
    assert.deepEqual(timeline.events.map((e) => e.action), ['contain', 'lift']);
    assert.equal(Date.parse(timeline.containedAt), Date.parse('2026-11-22T03:40:00Z'));
    assert.equal(timeline.openedAt, '2026-11-22T03:12:00Z');
    assert.equal(timeline.timeToContainMs, 28 * 60_000);
    assert.ok(timeline.liftedAt);
    assert.equal(timeline.breakGlass, 1);
  });

  test('--markdown is a summary table and each incident\'s steps', () => {
    const result = airlock(root, ['audit', '--ref', 'origin/main', '--markdown']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /\| INC-1 \| high \| 2026-11-22T03:12:00Z \| [^|]+ \| 28 min \|/);
    assert.match(result.stdout, /break-glass: contained/);
  });

  test('--html into a folder that does not exist exits 2 naming the flag and the reason, and writes nothing', () => {
    const missing = path.join(tempDir('airlock-audit-'), 'no-such-folder', 'audit.html');
    const result = airlock(root, ['audit', '--ref', 'origin/main', '--html', missing]);
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stderr, `airlock: --html ${missing} cannot be written: its folder does not exist (ENOENT); accepted: a path in an existing, writable folder\n`);
    assert.ok(!fs.existsSync(path.dirname(missing)));
  });

  test('--html writes one self-contained page whose timeline chart renders in Chromium', { skip: fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (.ci/run installs Debian's chromium)` }, async () => {
    const file = path.join(tempDir('airlock-audit-'), 'audit.html');
    const result = airlock(root, ['audit', '--ref', 'origin/main', '--html', file]);
    assert.equal(result.status, 0, result.stderr);
    const page = fs.readFileSync(file, 'utf8');
    assert.doesNotMatch(page, /<script|https?:\/\/(?!www\.w3\.org)/, 'no scripts, no external assets');
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const tab = await browser.newPage();
      await tab.goto(`file://${file}`);
      const chart = tab.locator('svg#timeline');
      const box = await chart.boundingBox();
      assert.ok(box && box.width > 100 && box.height > 20, `chart box ${JSON.stringify(box)}`);
      assert.equal(await tab.locator('svg#timeline circle.step').count(), 2);
      const shot = await chart.screenshot();
      assert.ok(shot.length > 1000, `screenshot of ${shot.length} bytes`);
    } finally {
      await browser.close();
    }
  });
});

describe('airlock audit --since', () => {
  /** A history of two Airlock commits, made 23:59 the day before and 00:30 on 2026-11-01 (UTC). */
  function datedHistory(): string {
    const { root } = gitProject({});
    for (const [at, id] of [['2026-10-31T23:59:00Z', 'INC-OCT'], ['2026-11-01T00:30:00Z', 'INC-NOV']] as const) {
      execFileSync('git', ['commit', '--quiet', '--allow-empty', '-m', `incident(${id}): isolate pod\n\nAirlock-Incident: ${id}\nAirlock-Action: contain`], {
        cwd: root,
        env: { ...process.env, GIT_COMMITTER_DATE: at, GIT_AUTHOR_DATE: at },
      });
    }
    return root;
  }
  const root = datedHistory();
  const incidents = (args: string[]): string[] => {
    const result = airlock(root, ['audit', '--json', ...args]);
    assert.equal(result.status, 0, result.stderr);
    return (JSON.parse(result.stdout).entries as Array<{ incident: string }>).map((e) => e.incident);
  };

  test('a date means from its midnight UTC, whatever the time of day the audit runs', () => {
    assert.deepEqual(incidents(['--since', '2026-11-01']), ['INC-NOV']);
    assert.deepEqual(incidents(['--since', '2026-10-31']), ['INC-NOV', 'INC-OCT']);
  });

  test('a timestamp is taken with its time zone', () => {
    assert.deepEqual(incidents(['--since', '2026-11-01T01:00:00+01:00']), ['INC-NOV']);
    assert.deepEqual(incidents(['--since', '2026-11-01T00:30:01Z']), []);
  });

  test('a value that is not a date exits 2 naming what is accepted, rather than reading as "now"', () => {
    for (const since of ['notadate', '2026-13-45', '2026-02-31', 'yesterday', '2026-11-01T03:00:00']) {
      const result = airlock(root, ['audit', '--since', since]);
      assert.equal(result.status, 2, `${since}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`^airlock: --since is "${since}"; accepted: a date \\(YYYY-MM-DD, from midnight UTC\\) or an ISO 8601 timestamp`));
    }
  });
});
