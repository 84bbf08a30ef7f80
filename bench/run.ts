/**
 * `npm run bench [-- synth analysis plan webhook]`: runs the benchmarks and rewrites their sections of
 * BENCHMARKS.md (sections not run are kept as they were), with the machine they ran on.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchAnalysis } from './analysis';
import { benchIntake } from './intake';
import { benchPlan } from './plan';
import { benchPropose } from './propose';
import { benchSynth } from './synth';
import { benchWebhook } from './webhook';

type Row = readonly string[];
interface Section {
  readonly title: string;
  readonly command: string;
  readonly header: Row;
  readonly rows: readonly Row[];
}

const SECTIONS: Record<string, () => Promise<Section>> = {
  synth: async () => ({
    title: 'Synthesis',
    command: 'npm run bench -- synth',
    header: ['scenario', 'median ms', 'runs', 'target'],
    rows: (await benchSynth({ quick: process.env.AIRLOCK_BENCH_QUICK === '1' })).map((r) => [r.scenario, String(r.medianMs), String(r.runs), r.target ?? '']),
  }),
  analysis: async () => ({
    title: 'Policy analysis (`airlock analyze`)',
    command: 'npm run bench -- analysis',
    header: ['scenario', 'median ms', 'runs', 'peak RSS MB'],
    rows: (await benchAnalysis()).map((r) => [r.scenario, String(r.medianMs), String(r.runs), String(r.peakRssMb ?? '')]),
  }),
  plan: async () => ({
    title: 'Plan (`airlock plan`)',
    command: 'npm run bench -- plan',
    header: ['scenario', 'median ms', 'runs', 'notes'],
    rows: (await benchPlan()).map((r) => [r.name, String(r.medianMs), String(r.runs), r.notes]),
  }),
  propose: async () => ({
    title: 'Git delivery (`airlock propose`)',
    command: 'npm run bench -- propose',
    header: ['scenario', 'p50 ms', 'p90 ms', 'runs', 'notes'],
    rows: (await benchPropose()).map((r) => [r.name, String(r.p50Ms), String(r.p90Ms), String(r.runs), r.notes]),
  }),
  intake: async () => ({
    title: 'Alert intake (`airlock serve`)',
    command: 'npm run bench -- intake',
    header: ['scenario', 'median ms', 'runs', 'notes'],
    rows: (await benchIntake()).map((r) => [r.name, String(r.medianMs), String(r.runs), r.notes]),
  }),
  webhook: async () => ({
    title: 'Admission webhook',
    command: 'npm run bench -- webhook',
    header: ['scenario', 'reviews/s', 'p99 ms', 'notes'],
    rows: (await benchWebhook()).map((r) => [r.name, String(Math.round(r.reviewsPerSecond)), String(r.p99Ms), r.notes]),
  }),
};

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${os.type()} ${os.release()}; load average before the run ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`;
}

function render(name: string, s: Section): string {
  const line = (r: Row): string => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [
    `<!-- section:${name} -->`,
    `## ${s.title}`,
    '',
    `${new Date().toISOString().slice(0, 10)} · \`${s.command}\` · ${machine()}`,
    '',
    line(s.header),
    line(s.header.map(() => '---')),
    ...s.rows.map(line),
    `<!-- /section:${name} -->`,
  ].join('\n');
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length > 0 ? wanted : Object.keys(SECTIONS);
  const unknown = names.filter((n) => !SECTIONS[n]);
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; accepted: ${Object.keys(SECTIONS).join(', ')}`);
  const file = path.join(__dirname, '..', 'BENCHMARKS.md');
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\nWritten by `npm run bench`; figures are medians. Sections not re-run keep their date.\n';
  for (const name of names) {
    process.stderr.write(`bench: ${name}…\n`);
    const section = render(name, await SECTIONS[name]());
    const re = new RegExp(`<!-- section:${name} -->[\\s\\S]*?<!-- /section:${name} -->`);
    text = re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}\n`;
    fs.writeFileSync(file, text);
    process.stderr.write(`${section}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
