/**
 * `airlock audit [ID] [--ref REF] [--since DATE] [--json | --markdown | --html FILE]`: the containment history,
 * read back from commit trailers: who proposed what, when it landed on the base branch, break-glass steps,
 * unsigned commits and the time to contain.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../../errors';
import { DATE_OR_TIMESTAMP_HINT, parseDateOrTimestamp } from '../../incident/timestamp';
import { writeFileAtomically } from '../../files/write-file-atomically';
import type * as Audit from '../../git/audit';
import type * as Timeline from '../../git/audit-timeline';
import type * as Report from '../../git/audit-report';
import { output, projectRoot, writingTo } from '../context';
import { table } from './list';

interface AuditOptions {
  readonly ref: string;
  readonly since?: string;
  readonly requireSignatures?: boolean;
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly html?: string;
}

/** The `audit` command. */
export function auditCommand(): Command {
  return new Command('audit')
    .description('the timeline of every incident from git history (Airlock-* trailers): proposed, landed, lifted, who, break-glass, unsigned commits, time to contain')
    .argument('[ID]', 'only this incident')
    .option('--ref <ref>', 'history to read; origin/main shows what has landed', 'HEAD')
    .option('--since <date>', 'only commits made from then on: a date (YYYY-MM-DD, midnight UTC) or an ISO 8601 timestamp')
    .option('--require-signatures', 'verify commit signatures and flag unsigned ones')
    .option('--json', 'entries and timelines as JSON')
    .option('--markdown', 'the timeline as Markdown')
    .option('--html <file>', 'write the timeline as one self-contained HTML page with a chart')
    .action(async (id: string | undefined, opts: AuditOptions, command: Command) => {
      if ([opts.json, opts.markdown, opts.html].filter(Boolean).length > 1) throw new UsageError('choose one of --json, --markdown and --html');
      const cwd = projectRoot(command);
      const { auditLog } = require('../../git/audit') as typeof Audit;
      const { auditTimeline } = require('../../git/audit-timeline') as typeof Timeline;
      const since = opts.since === undefined ? undefined : parseDateOrTimestamp(opts.since);
      if (opts.since !== undefined && since === undefined) throw new UsageError(`--since is "${opts.since}"; accepted: ${DATE_OR_TIMESTAMP_HINT}`);
      const filters = { ref: opts.ref, ...(id ? { incident: id } : {}), ...(since !== undefined ? { since: new Date(since) } : {}) };
      const timelines = await auditTimeline({ cwd, ...filters, requireSignatures: opts.requireSignatures === true });
      if (opts.markdown || opts.html) {
        const report = require('../../git/audit-report') as typeof Report;
        if (opts.markdown) process.stdout.write(report.formatTimelineMarkdown(timelines));
        else {
          const file = path.resolve(opts.html!);
          const html = report.formatTimelineHtml(timelines, { source: `${opts.ref} of ${cwd}` });
          writingTo('--html', opts.html!, () => writeFileAtomically(file, html));
          process.stdout.write(`wrote ${file} (${timelines.length} incident${timelines.length === 1 ? '' : 's'})\n`);
        }
        return;
      }
      const entries = await auditLog({ cwd, ...filters, verifySignatures: opts.requireSignatures === true });
      output(opts.json, { entries, timelines }, () =>
        entries.length === 0
          ? 'no Airlock commits in this history\n'
          : table([
              ['DATE', 'INCIDENT', 'ACTION', 'SEVERITY', 'AUTHOR', 'BREAK-GLASS', 'COMMIT', 'SUBJECT'],
              ...entries.map((e) => [e.date, e.incident, e.action, e.severity ?? '-', e.author.name, e.breakGlass ?? '-', e.commit.slice(0, 12), e.subject]),
            ]),
      );
    });
}
