/** `airlock audit [ID] [--ref REF] [--json]`: the containment history, read back from commit trailers. */
import { Command } from 'commander';
import type * as Audit from '../../git/audit';
import { output, projectRoot } from '../context';
import { table } from './list';

/** The `audit` command. */
export function auditCommand(): Command {
  return new Command('audit')
    .description('list every containment, update and lift recorded in git history (Airlock-* trailers), newest first')
    .argument('[ID]', 'only this incident')
    .option('--ref <ref>', 'history to read, e.g. origin/main for what has landed', 'HEAD')
    .option('--json', 'print as JSON')
    .action(async (id: string | undefined, opts: { ref: string; json?: boolean }, command: Command) => {
      const { auditLog } = require('../../git/audit') as typeof Audit;
      const entries = await auditLog({ cwd: projectRoot(command), ref: opts.ref, ...(id ? { incident: id } : {}) });
      output(opts.json, entries, () =>
        entries.length === 0
          ? 'no Airlock commits in this history\n'
          : table([
              ['DATE', 'INCIDENT', 'ACTION', 'SEVERITY', 'AUTHOR', 'BREAK-GLASS', 'COMMIT', 'SUBJECT'],
              ...entries.map((e) => [e.date, e.incident, e.action, e.severity ?? '-', e.author.name, e.breakGlass ?? '-', e.commit.slice(0, 12), e.subject]),
            ]),
      );
    });
}
