/**
 * Conformance with the netpol-analyzer (np-guard, Apache-2.0): every applicable case of its connectivity-list
 * tests, read from ../shared/conformance/netpol-analyzer (the project keeps no copy), compared as sets of
 * (src, dst, protocol, ports) rather than as text.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectionList, type ConnlistOptions } from '../../src/analysis/connlist';
import { PolicyEngine } from '../../src/analysis/engine';
import { loadInventory } from '../../src/analysis/inventory';
import { parseConnectionText, type Protocol } from '../../src/analysis/ports';

const ROOT = path.resolve(__dirname, '../../../shared/conformance/netpol-analyzer');

interface Case {
  readonly case: string;
  readonly input_dir: string;
  readonly category: string;
  readonly options: {
    readonly focus_workloads?: string[];
    readonly focus_workload_peers?: string[];
    readonly focus_direction?: 'ingress' | 'egress';
    readonly focus_conn?: string;
    readonly multiple_networks?: boolean;
  };
  readonly expected_txt: string | null;
  readonly expected_json: string | null;
}

const INGRESS_CONTROLLER = '{ingress-controller}';

/** Why a case is not run, or undefined to run it. Only what the data set's README says to skip. */
function skipReason(c: Case): string | undefined {
  if (c.category === 'multi-network' || c.options.multiple_networks) {
    return 'multi-network case (UDN/NAD/VM): the output has per-network sections; the README says to skip these';
  }
  if (!c.expected_txt) return 'no expected txt output';
  if (c.expected_txt.includes('_from_parsed_res')) return 'inputs are built in Go code upstream; there are no YAML inputs';
  return undefined;
}

/** `src => dst : conns` lines as a map from `src => dst` to a canonical connection text. */
function parseExpectedText(text: string, withConns: boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    // Focus-conn outputs start with a header such as `Permitted connections on UDP 52:`.
    if (line.trim() === '' || (!line.includes(' => ') && line.trim().endsWith(':'))) continue;
    const m = /^(.*?) => (.*?)(?: : (.*))?$/.exec(line.trim());
    assert.ok(m, `unparsable expected line: ${line}`);
    const [, src, dst, conns] = m;
    if (src === INGRESS_CONTROLLER) continue;
    out.set(`${src} => ${dst}`, withConns ? parseConnectionText(conns ?? '').toString() : '');
  }
  return out;
}

function parseExpectedJson(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of JSON.parse(text) as { src: string; dst: string; conn: string }[]) {
    if (e.src === INGRESS_CONTROLLER) continue;
    out.set(`${e.src} => ${e.dst}`, parseConnectionText(e.conn).toString());
  }
  return out;
}

/** `tcp-80` → TCP, 80: the focus-conn option. */
function parseFocusConn(text: string): { protocol: Protocol; port: number } {
  const [proto, port] = text.split('-');
  return { protocol: proto.toUpperCase() as Protocol, port: Number(port) };
}

function actualFor(c: Case): Map<string, string> {
  const engine = new PolicyEngine(loadInventory([path.join(ROOT, c.input_dir)]));
  const options: ConnlistOptions = {
    focusWorkloads: c.options.focus_workloads,
    focusWorkloadPeers: c.options.focus_workload_peers,
    focusDirection: c.options.focus_direction,
  };
  const focusConn = c.options.focus_conn ? parseFocusConn(c.options.focus_conn) : undefined;
  const out = new Map<string, string>();
  for (const e of connectionList(engine, options)) {
    if (focusConn && !e.conns.contains(focusConn.protocol, focusConn.port)) continue;
    out.set(`${e.src} => ${e.dst}`, focusConn ? '' : e.conns.toString());
  }
  return out;
}

/** Differences in a form that says which pair is wrong and how. */
function diff(expected: Map<string, string>, actual: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const [k, v] of expected) {
    if (!actual.has(k)) lines.push(`missing: ${k} : ${v}`);
    else if (actual.get(k) !== v) lines.push(`differs: ${k} : expected ${v}, got ${actual.get(k)}`);
  }
  for (const [k, v] of actual) if (!expected.has(k)) lines.push(`extra:   ${k} : ${v}`);
  return lines;
}

const index = JSON.parse(fs.readFileSync(path.join(ROOT, 'cases-index.json'), 'utf8')) as { cases: Case[] };

describe('netpol-analyzer conformance (connectivity lists)', () => {
  for (const c of index.cases) {
    const reason = skipReason(c);
    test(`${c.case} [${c.category}]`, reason ? { skip: reason } : {}, () => {
      const actual = actualFor(c);
      const expectedTxt = parseExpectedText(fs.readFileSync(path.join(ROOT, c.expected_txt!), 'utf8'), !c.options.focus_conn);
      assert.deepEqual(diff(expectedTxt, actual), [], `txt output of ${c.case} differs`);
      if (c.expected_json && !c.options.focus_conn) {
        const expectedJson = parseExpectedJson(fs.readFileSync(path.join(ROOT, c.expected_json), 'utf8'));
        assert.deepEqual(diff(expectedJson, actual), [], `json output of ${c.case} differs`);
      }
    });
  }
});
