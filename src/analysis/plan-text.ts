/**
 * The plan for a terminal: one compact table per incident (action, targets, verdict, residual count), then the
 * residual and the findings as indented lines, so a responder sees at a glance what is not contained and why.
 * Colour only when the caller says the output is a TTY; every inventory name is stripped of control characters.
 */
import type { ActionPlan, IncidentPlan } from './plan';
import { describeAction, groupResidual } from './plan';
import { terminalText } from './plan-escape';

/** Rendering options. */
export interface TextOptions {
  /** ANSI colours (the CLI passes `process.stdout.isTTY` unless `NO_COLOR` is set). @default false */
  readonly color?: boolean;
  /** Residual lines shown per action before a count of the rest. @default 20 */
  readonly maxResidual?: number;
}

type Paint = (code: number, text: string) => string;

function verdict(a: ActionPlan, paint: Paint): string {
  if (a.refused) return paint(31, 'refused');
  if (a.kind === 'admission') return paint(32, 'admission');
  return a.effective ? paint(32, 'effective') : paint(31, 'ineffective');
}

/** The colour codes this module writes (inventory text never carries any: terminalText removed them). */
const SGR = /\u001b\[[0-9;]*m/g;

function width(text: string): number {
  return [...text.replace(SGR, '')].length;
}

/** Pads to a visible width (colour codes do not count). */
function pad(text: string, to: number): string {
  return text + ' '.repeat(Math.max(0, to - width(text)));
}

function table(rows: readonly string[][]): string[] {
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => width(r[k]))));
  return rows.map((r) => `  ${r.map((cell, k) => (k === r.length - 1 ? cell : pad(cell, widths[k]))).join('  ')}`.trimEnd());
}

function single(plan: IncidentPlan, o: Required<TextOptions>, paint: Paint): string[] {
  const head = plan.refused ? paint(31, 'REFUSED') : plan.effective ? paint(32, 'EFFECTIVE') : paint(31, 'INEFFECTIVE');
  const out = [`${terminalText(plan.incident.id)}  ${terminalText(plan.incident.title)}  ${head}`];
  const rows: string[][] = [['#', 'ACTION', 'TARGETS', 'VERDICT', 'RESIDUAL']];
  for (const a of plan.actions) {
    // An image block's targets are the running pods it does not stop.
    const targets = a.kind === 'network' ? String(a.targets.length) : String(new Set(a.running.map((r) => r.pod)).size);
    // Entries that differ only in their target count once, as they are listed below.
    const residual = a.kind === 'network' ? String(groupResidual(a.residual).length) : '-';
    rows.push([String(a.index), terminalText(describeAction(a.action)), targets, verdict(a, paint), residual]);
  }
  out.push(...table(rows));
  for (const a of plan.actions) {
    const lines: string[] = [];
    if (a.kind === 'network') {
      const groups = groupResidual(a.residual);
      for (const r of groups.slice(0, o.maxResidual)) {
        const arrow = r.direction === 'ingress' ? '<-' : '->';
        const by = r.rule !== undefined ? `${r.policy} (${r.rule})` : r.policy;
        const targets = r.targets.length > 1 ? `${r.targets[0]} (+${r.targets.length - 1})` : r.targets[0];
        lines.push(`    ${paint(31, 'residual')} ${terminalText(targets)} ${arrow} ${terminalText(r.peer)}  ${r.ports}  by ${terminalText(by)}`);
      }
      if (groups.length > o.maxResidual) lines.push(`    … ${groups.length - o.maxResidual} more residual entries (--json lists all)`);
    } else {
      for (const r of a.running.slice(0, o.maxResidual)) {
        const image = r.digest !== undefined && !r.image.includes('@') ? `${r.image}@${r.digest}` : r.image;
        lines.push(`    ${paint(31, 'running')} ${terminalText(r.pod)} (${terminalText(r.workload)}) container ${terminalText(r.container)}: ${terminalText(image)}  blocked by ${terminalText(r.entry)}`);
      }
      if (a.running.length > o.maxResidual) lines.push(`    … ${a.running.length - o.maxResidual} more running containers (--json lists all)`);
    }
    for (const f of a.findings) {
      const label = f.refused ? paint(31, 'refused') : f.severity === 'error' ? paint(31, 'error') : paint(33, 'warning');
      lines.push(`    ${label} ${terminalText(f.message)}`);
    }
    if (lines.length > 0) out.push(`  action ${a.index}:`, ...lines);
  }
  return out;
}

/** The terminal rendering of one or more plans, ending with a newline. */
export function formatPlanText(plans: readonly IncidentPlan[], options: TextOptions = {}): string {
  const o: Required<TextOptions> = { color: false, maxResidual: 20, ...options };
  const paint: Paint = o.color ? (code, text) => `\u001b[${code}m${text}\u001b[0m` : (_code, text) => text;
  return `${plans.map((p) => single(p, o, paint).join('\n')).join('\n\n')}\n`;
}
