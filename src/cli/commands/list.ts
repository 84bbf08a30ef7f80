/** `airlock list [--json]`: the incidents, their status and what they contain. */
import { Command } from 'commander';
import { loadProject } from '../../project/load-project';
import { describeAction } from '../../incident/describe-action';
import { isPastExpiry } from '../../incident/expiry';
import { output, plural, projectRoot } from '../context';

/** A plain-text table with columns padded to their widest cell. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

/** The `list` command. */
export function listCommand(): Command {
  return new Command('list')
    .description('list incidents with their status, severity and actions')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }, command: Command) => {
      const { incidents } = loadProject(projectRoot(command));
      const now = Date.now();
      const rows = incidents.map((i) => ({
        id: i.id,
        status: i.status,
        severity: i.severity,
        title: i.title,
        owner: i.owner,
        openedAt: i.openedAt,
        expiresAt: i.expiresAt ?? null,
        /** Still active past its expiry: `airlock expire` proposes the lift. */
        pastExpiry: isPastExpiry(i, now),
        ticket: i.ticket ?? null,
        file: i.file,
        actions: i.actions.map(describeAction),
      }));
      const overdue = rows.filter((r) => r.pastExpiry).length;
      output(opts.json, rows, () =>
        rows.length === 0
          ? 'no incidents (create one with `airlock new <ID>`)\n'
          : table([['ID', 'STATUS', 'SEVERITY', 'EXPIRES', 'TITLE', 'ACTIONS'], ...rows.map((r) => [r.id, r.status, r.severity, r.expiresAt ? `${r.expiresAt}${r.pastExpiry ? ' (past)' : ''}` : '-', r.title, r.actions.join('; ')])]) +
            (overdue > 0 ? `\n${plural(overdue, 'active incident is', 'active incidents are')} past expiry: \`airlock expire\` proposes the lifts\n` : ''),
      );
    });
}
