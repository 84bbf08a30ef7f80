/** The plan's renderings: JSON (for tools), Markdown (the pull-request body) and text (the terminal). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlanJson, planToJson } from '../../src/analysis/plan-json';
import { formatPlanMarkdown } from '../../src/analysis/plan-markdown';
import { formatPlanText } from '../../src/analysis/plan-text';
import { escapeMarkdown, markdownCode, mermaidLabel, terminalText } from '../../src/analysis/plan-escape';
import { pod } from './helpers';
import { baseCluster, existing, incident, isolation, owned, plan, QUARANTINE } from './plan-fixtures';

const ALLOW_API = existing('shop', 'allow-api', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 8080 }] }] });

/** isolatePod (ineffective: allow-api still admits api on 8080), isolateWorkload of cache (effective), blockImages by tag. */
function samplePlan(): ReturnType<typeof plan> {
  return plan({
    incident: incident(
      { kind: 'isolatePod', namespace: 'shop', pod: 'web-7d-a', dns: 'none' },
      { kind: 'isolateWorkload', namespace: 'shop', selector: { app: 'cache' }, dns: 'none' },
      { kind: 'blockImages', reason: 'miner', images: ['registry.example/miner:1.0'] },
    ),
    inventory: baseCluster(ALLOW_API, pod('shop', 'cache', { app: 'cache' })),
    manifests: [isolation('shop', QUARANTINE), isolation('shop', { app: 'cache' }, {}, 'airlock-inc-7-1')],
  });
}

/** The sample plan on a cluster where one pod still runs the blocked image. */
function runningMinerPlan(): ReturnType<typeof plan> {
  const miner = owned('shop', 'miner-1', 'miner', { app: 'miner' }).replace('"image":"i"', '"image":"registry.example/miner:1.0"').replace('"name":"c"', '"name":"main"');
  return plan({
    incident: incident(
      { kind: 'isolatePod', namespace: 'shop', pod: 'web-7d-a', dns: 'none' },
      { kind: 'isolateWorkload', namespace: 'shop', selector: { app: 'cache' }, dns: 'none' },
      { kind: 'blockImages', reason: 'miner', images: ['registry.example/miner:1.0'] },
    ),
    inventory: baseCluster(ALLOW_API, pod('shop', 'cache', { app: 'cache' }), miner),
    manifests: [isolation('shop', QUARANTINE), isolation('shop', { app: 'cache' }, {}, 'airlock-inc-7-1')],
  });
}

/** Cells of a Markdown table row, split on pipes that are not escaped. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/);
}

function mermaidBlocks(markdown: string): string[][] {
  const blocks: string[][] = [];
  const lines = markdown.split('\n');
  for (let k = 0; k < lines.length; k++) {
    if (lines[k] !== '```mermaid') continue;
    const block: string[] = [];
    for (k++; lines[k] !== '```'; k++) block.push(lines[k]);
    blocks.push(block);
  }
  return blocks;
}

const MERMAID_LINE = /^(graph LR|  (t0|p\d+)\["[A-Za-z0-9 .,:/=+_#;-]*"\]|  (t0|p\d+) (-->|-\.->)\|"[A-Za-z0-9 .,:/=+_#;-]*"\| (t0|p\d+))$/;

describe('plan JSON', () => {
  test('has, per action, exactly the fields incident, action, index, targets, effective, refused, residual, warnings, blastRadius', () => {
    const [isolate, workload, images] = planToJson(samplePlan());
    assert.deepEqual(isolate, {
      incident: 'INC-7',
      action: 'isolatePod',
      index: 0,
      targets: ['shop/web-7d-a'],
      effective: false,
      refused: false,
      residual: [{ direction: 'ingress', peer: 'shop/api[Pod]', ports: 'TCP 8080', policy: 'NetworkPolicy shop/allow-api' }],
      warnings: [],
      blastRadius: [{ workload: 'shop/web-7d[ReplicaSet]', pods: 1 }],
    });
    assert.equal(workload.action, 'isolateWorkload');
    assert.deepEqual(workload.targets, ['shop/cache']);
    assert.equal(workload.effective, true);
    assert.deepEqual(Object.keys(images), [...Object.keys(isolate), 'runningImages']);
    assert.equal(images.action, 'blockImages');
    assert.equal(images.warnings.length, 1);
    assert.deepEqual(images.runningImages, []);
  });

  test('an image block lists the running containers it does not stop (runningImages), with their owner workloads', () => {
    const [, , images] = planToJson(runningMinerPlan());
    assert.deepEqual(images.runningImages, [{ pod: 'shop/miner-1', workload: 'shop/miner[ReplicaSet]', container: 'main', image: 'registry.example/miner:1.0', entry: 'registry.example/miner:1.0' }]);
  });

  test('merges residual of several targets per direction, peer and policy', () => {
    const p = plan({
      incident: incident({ kind: 'isolateWorkload', namespace: 'shop', selector: { app: 'web' }, dns: 'none' }),
      inventory: baseCluster(ALLOW_API),
      manifests: [isolation('shop', { app: 'web' })],
    });
    const [a] = planToJson(p);
    assert.deepEqual(a.targets, ['shop/web-7d-a', 'shop/web-7d-b']);
    assert.deepEqual(a.residual, [{ direction: 'ingress', peer: 'shop/api[Pod]', ports: 'TCP 8080', policy: 'NetworkPolicy shop/allow-api' }]);
  });

  test('is byte-for-byte the same for the same input', () => {
    assert.equal(formatPlanJson([samplePlan()]), formatPlanJson([samplePlan()]));
    assert.ok(formatPlanJson([samplePlan()]).endsWith(']\n'));
  });
});

describe('plan Markdown', () => {
  test('starts with a summary table of action, targets and verdict', () => {
    const md = formatPlanMarkdown(samplePlan());
    const lines = md.split('\n');
    const header = lines.indexOf('| # | Action | Targets | Verdict |');
    assert.ok(header > 0);
    assert.deepEqual(lines.slice(header + 2, header + 5).map((l) => cells(l).map((c) => c.trim())), [
      ['0', 'isolatePod `shop/web-7d-a`', '`shop/web-7d-a`', '❌ ineffective (1 residual)'],
      ['1', 'isolateWorkload `shop` `app=cache`', '`shop/cache`', '✅ effective'],
      ['2', 'blockImages (1)', '—', '✅ admission (1 weaker than digest)'],
    ]);
  });

  test('an image block shows the pods still running a blocked image, in the summary and in a table', () => {
    const md = formatPlanMarkdown(runningMinerPlan());
    const row = md.split('\n').find((l) => l.startsWith('| 2 |'))!;
    assert.deepEqual(cells(row).map((c) => c.trim()), ['2', 'blockImages (1)', '`shop/miner-1`', '✅ admission (1 weaker than digest, 1 running pod not stopped)']);
    assert.match(md, /\| `shop\/miner-1` \| `shop\/miner\[ReplicaSet\]` \| `main` \| `registry.example\/miner:1.0` \| `registry.example\/miner:1.0` \|/);
    assert.match(formatPlanMarkdown(samplePlan()), /No running pod in the inventory uses a blocked image\./);
  });

  test('lists the blast radius and the residual with the policy that still allows it', () => {
    const md = formatPlanMarkdown(samplePlan());
    assert.match(md, /\| 0 \| `shop\/web-7d\[ReplicaSet\]` \| 1: `web-7d-a` \|/);
    assert.match(md, /\| ingress \| `shop\/web-7d-a` \| `shop\/api\[Pod\]` \| TCP 8080 \| `NetworkPolicy shop\/allow-api` `ingress\[0\]` \|/);
  });

  test('draws a Mermaid graph per target: remaining edges solid with their ports, cut edges dashed', () => {
    const blocks = mermaidBlocks(formatPlanMarkdown(samplePlan()));
    assert.ok(blocks.length >= 2);
    const [first] = blocks;
    assert.equal(first[0], 'graph LR');
    assert.ok(first.every((l) => MERMAID_LINE.test(l)), first.join('\n'));
    const api = first.find((l) => l.includes('shop/api#91;Pod#93;'))!.trim().split('[')[0];
    assert.ok(first.includes(`  ${api} -->|"TCP 8080"| t0`));
    assert.ok(first.some((l) => l.startsWith('  t0 -.->|"cut: All Connections"|')));
  });

  test('separates several incidents with a thematic break, never a heading underline', () => {
    const md = formatPlanMarkdown([samplePlan(), samplePlan()]);
    assert.equal(md.split('\n\n---\n\n').length, 2);
    assert.equal(md.match(/^## Airlock plan/gm)?.length, 2);
  });

  test('replicas with identical reachability share one section', () => {
    const p = plan({ incident: incident({ kind: 'isolateWorkload', namespace: 'shop', selector: { app: 'web' }, dns: 'none' }), inventory: baseCluster(), manifests: [isolation('shop', { app: 'web' })] });
    const md = formatPlanMarkdown(p);
    assert.equal(mermaidBlocks(md).length, 1);
    assert.match(md, /#### `shop\/web-7d-a`, `shop\/web-7d-b`/);
  });

  test('lists a residual shared by replicas once, with its targets', () => {
    const p = plan({ incident: incident({ kind: 'isolateWorkload', namespace: 'shop', selector: { app: 'web' }, dns: 'none' }), inventory: baseCluster(ALLOW_API), manifests: [isolation('shop', { app: 'web' })] });
    const md = formatPlanMarkdown(p);
    assert.match(md, /\| ingress \| `shop\/web-7d-a`, `shop\/web-7d-b` \| `shop\/api\[Pod\]` \| TCP 8080 \| `NetworkPolicy shop\/allow-api` `ingress\[0\]` \|/);
    assert.match(md, /❌ ineffective \(1 residual\)/);
    assert.ok(formatPlanText([p]).includes('residual shop/web-7d-a (+1) <- shop/api[Pod]  TCP 8080'));
  });

  test('merges adjacent address ranges with the same before and after into one row', () => {
    const split = existing('shop', 'egress-split', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }, { ipBlock: { cidr: '10.1.0.0/16' } }], ports: [{ port: 443 }] }] });
    const p = plan({ incident: incident({ kind: 'isolatePod', namespace: 'shop', pod: 'web-7d-a', dns: 'none' }), inventory: baseCluster(split), manifests: [isolation('shop', QUARANTINE)] });
    const md = formatPlanMarkdown(p);
    // Three atoms (10.0/16, 10.1/16, the rest of 10/8) with the same edges: one row, one node.
    assert.match(md, /\| `10\.0\.0\.0-10\.255\.255\.255\[External\]` \| TCP 443 \| TCP 443 \| remains \|/);
    assert.ok(!md.includes('10.1.0.0-10.1.255.255'));
  });

  test('caps long peer lists with a count of the rest', () => {
    const many = Array.from({ length: 30 }, (_, k) => pod('other', `p-${String(k).padStart(2, '0')}`, { app: `a${k}` }));
    const p = plan({ incident: incident({ kind: 'isolatePod', namespace: 'shop', pod: 'web-7d-a', dns: 'none' }), inventory: baseCluster(...many), manifests: [isolation('shop', QUARANTINE)] });
    const md = formatPlanMarkdown(p, { maxRows: 10, maxGraphPeers: 5 });
    // 35 peers each way: 30 others, api, DNS, the sibling replica and the two address families.
    assert.match(md, /\| … 25 more peers \| \| \| 25 cut, 0 remaining \|/);
    assert.match(md, /p\d+\["30 more ingress peers #40;cut#41;"\]/);
    assert.ok(mermaidBlocks(md).every((b) => b.length <= 2 + 2 * 6 + 2 * 6));
  });

  test('escapes a hostile pod name: tables keep their columns, the Mermaid block keeps its syntax, nobody is mentioned', () => {
    const hostile = 'x|y`z"]; click t0 "https://evil"\n```\n<script>@admins';
    const cluster = baseCluster(owned('shop', hostile, 'web-7d', { app: 'web' }));
    const p = plan({
      incident: incident({ kind: 'isolatePod', namespace: 'shop', pod: hostile, dns: 'none' }, { kind: 'isolatePod', namespace: 'shop', pod: 'web-7d-a', dns: 'none' }),
      inventory: cluster,
      manifests: [isolation('shop', QUARANTINE)],
    });
    const md = formatPlanMarkdown(p);
    // Outside code spans (whose content Markdown shows literally), nothing of the name is live syntax.
    const prose = md.replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
    assert.ok(!prose.includes('<script>') && !prose.includes('@admins') && !prose.includes('https://evil'), prose);
    const tables = md.split('\n').filter((l) => l.startsWith('| '));
    for (const line of tables) assert.ok(cells(line).length >= 3 && cells(line).length <= 5, line);
    const summary = md.split('\n').filter((l) => /^\| \d \| isolatePod/.test(l));
    assert.deepEqual(summary.map((l) => cells(l).length), [4, 4]);
    // Every fenced block closes where it should: fences come in pairs and only as mermaid blocks.
    assert.equal(md.split('\n').filter((l) => l.startsWith('```')).length % 2, 0);
    for (const block of mermaidBlocks(md)) assert.ok(block.every((l) => MERMAID_LINE.test(l)), block.join('\n'));
  });
});

describe('plan escaping', () => {
  test('Markdown code spans outlast any backtick run and escape pipes', () => {
    assert.equal(markdownCode('a``b|c'), '```a``b\\|c```');
    assert.equal(markdownCode('`x'), '`` `x ``');
  });

  test('Markdown prose turns syntax into entities and breaks mentions', () => {
    assert.equal(escapeMarkdown('a *b* [c](d) <e> @f'), 'a &#42;b&#42; &#91;c&#93;(d) &#60;e&#62; &#64;&#8288;f');
  });

  test('Mermaid labels encode quotes, brackets, pipes and newlines', () => {
    assert.equal(mermaidLabel('a"]|\nb'), 'a#34;#93;#124;#65533;b');
  });

  test('terminal text drops escape sequences and bidirectional overrides', () => {
    assert.equal(terminalText('a\u001b[31mb\u202ec'), 'a\ufffd[31mb\ufffdc');
  });
});

describe('plan text', () => {
  test('prints a compact table and the residual lines', () => {
    const text = formatPlanText([samplePlan()]);
    const lines = text.split('\n');
    assert.equal(lines[0], 'INC-7  Cryptominer in web  INEFFECTIVE');
    assert.match(lines[1], /^ {2}# {2}ACTION +TARGETS +VERDICT +RESIDUAL$/);
    assert.match(lines[2], /^ {2}0 {2}isolatePod shop\/web-7d-a +1 +ineffective +1$/);
    assert.ok(text.includes('residual shop/web-7d-a <- shop/api[Pod]  TCP 8080  by NetworkPolicy shop/allow-api (ingress[0])'));
    assert.ok(!text.includes('\u001b'));
  });

  test('an image block counts the running pods it does not stop and prints one line per container', () => {
    const text = formatPlanText([runningMinerPlan()]);
    assert.match(text, /^ {2}2 {2}blockImages 1 image +1 +admission +-$/m);
    assert.ok(text.includes('running shop/miner-1 (shop/miner[ReplicaSet]) container main: registry.example/miner:1.0  blocked by registry.example/miner:1.0'));
  });

  test('colours the verdict only when asked', () => {
    assert.ok(formatPlanText([samplePlan()], { color: true }).includes('\u001b[31mineffective\u001b[0m'));
  });
});
