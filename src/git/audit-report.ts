/**
 * The audit timeline for people: Markdown (for a ticket or a pull request) and one self-contained HTML page
 * with an SVG timeline chart (no scripts, no external assets), for auditors. All text from history is escaped.
 */
import type { IncidentTimeline, TimelineEvent } from './audit-timeline';

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Markdown-safe inline text. */
function md(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/([\\`*_{}[\]<>|#!])/g, '\\$1');
}

function eventLine(e: TimelineEvent): string {
  const flags = [e.breakGlass ? `⚠ break-glass: ${md(e.breakGlass)}` : '', e.signature && e.signature !== 'good' ? `signature: ${e.signature}` : ''].filter(Boolean).join('; ');
  return `| ${e.at} | ${e.landedAt ?? 'not landed'} | ${e.action} | ${md(e.author)} | \`${e.commit.slice(0, 12)}\` | ${md(e.subject)}${flags ? ` (${flags})` : ''} |`;
}

/** The timeline as Markdown: a summary table, then each incident's steps. */
export function formatTimelineMarkdown(timelines: readonly IncidentTimeline[]): string {
  if (timelines.length === 0) return 'No Airlock commits in this history.\n';
  const summary = timelines.map(
    (t) =>
      `| ${md(t.incident)} | ${t.severity ?? '-'} | ${t.openedAt ?? '-'} | ${t.containedAt ?? '-'} | ${t.timeToContainMs !== undefined ? duration(t.timeToContainMs) : '-'} | ${t.liftedAt ?? '-'} | ${t.breakGlass} | ${t.unsigned} |`,
  );
  return [
    '# Airlock audit',
    '',
    '| Incident | Severity | Opened | Contained (landed) | Time to contain | Lifted | Break-glass | Unsigned |',
    '|---|---|---|---|---|---|---|---|',
    ...summary,
    '',
    ...timelines.flatMap((t) => [`## ${md(t.incident)}`, '', '| Made | Landed | Action | Who | Commit | What |', '|---|---|---|---|---|---|', ...t.events.map(eventLine), '']),
  ].join('\n');
}

/** HTML-escaped text. */
function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const COLORS: Readonly<Record<string, string>> = { contain: '#d9480f', update: '#f59f00', lift: '#2b8a3e', label: '#1971c2', restore: '#1098ad', unknown: '#868e96' };

/** The SVG timeline: one row per incident from opened (or first step) to lifted (or last step), a dot per step. */
function timelineSvg(timelines: readonly IncidentTimeline[]): string {
  const times = timelines.flatMap((t) => [t.openedAt, ...t.events.flatMap((e) => [e.at, e.landedAt])]).filter((x): x is string => x !== undefined).map(Date.parse).filter((x) => !Number.isNaN(x));
  const start = Math.min(...times);
  const end = Math.max(...times, start + 60_000);
  const left = 160;
  const width = 900;
  const row = 34;
  const x = (iso: string): number => left + ((Date.parse(iso) - start) / (end - start)) * (width - left - 20);
  const rows = timelines.map((t, i) => {
    const y = 30 + i * row;
    const from = t.openedAt ?? t.events[0].at;
    const to = t.liftedAt ?? t.events.at(-1)!.landedAt ?? t.events.at(-1)!.at;
    const dots = t.events.map((e) => {
      const at = e.landedAt ?? e.at;
      const stroke = e.breakGlass ? ' stroke="#c92a2a" stroke-width="3"' : '';
      return `<circle class="step" cx="${x(at).toFixed(1)}" cy="${y}" r="7" fill="${COLORS[e.action] ?? COLORS.unknown}"${stroke}><title>${html(`${e.action} ${at} by ${e.author}: ${e.subject}`)}</title></circle>`;
    });
    return [
      `<text x="8" y="${y + 4}" class="label">${html(t.incident)}</text>`,
      `<rect class="span" x="${x(from).toFixed(1)}" y="${y - 3}" width="${Math.max(2, x(to) - x(from)).toFixed(1)}" height="6" rx="3" fill="#ced4da"/>`,
      ...dots,
    ].join('');
  });
  const height = 40 + timelines.length * row;
  const axis = `<text x="${left}" y="${height - 4}" class="axis">${html(new Date(start).toISOString())}</text><text x="${width - 20}" y="${height - 4}" class="axis" text-anchor="end">${html(new Date(end).toISOString())}</text>`;
  return `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Incident timeline">${rows.join('')}${axis}</svg>`;
}

/** One self-contained HTML page: the chart, a legend, the summary and every step. */
export function formatTimelineHtml(timelines: readonly IncidentTimeline[], options: { readonly source: string }): string {
  const legend = Object.entries(COLORS).map(([action, color]) => `<span><i style="background:${color}"></i>${action}</span>`).join(' ');
  const summary = timelines
    .map((t) => `<tr><td>${html(t.incident)}</td><td>${html(t.severity ?? '-')}</td><td>${html(t.openedAt ?? '-')}</td><td>${html(t.containedAt ?? '-')}</td><td>${t.timeToContainMs !== undefined ? duration(t.timeToContainMs) : '-'}</td><td>${html(t.liftedAt ?? '-')}</td><td>${t.breakGlass}</td><td>${t.unsigned}</td></tr>`)
    .join('');
  const steps = timelines
    .flatMap((t) => t.events.map((e) => `<tr${e.breakGlass ? ' class="bg"' : ''}><td>${html(t.incident)}</td><td>${html(e.at)}</td><td>${html(e.landedAt ?? 'not landed')}</td><td>${e.action}</td><td>${html(e.author)}</td><td><code>${e.commit.slice(0, 12)}</code></td><td>${html(e.subject)}${e.breakGlass ? ` — break-glass: ${html(e.breakGlass)}` : ''}${e.signature && e.signature !== 'good' ? ` — signature: ${e.signature}` : ''}</td></tr>`))
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Airlock audit</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#212529}table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #dee2e6;padding:4px 8px;text-align:left}
.label{font:12px monospace}.axis{font:11px monospace;fill:#495057}.legend span{margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}tr.bg td{background:#fff5f5}</style></head>
<body><h1>Airlock audit</h1><p>From ${html(options.source)}. Dots mark when each step landed on the base branch (or was made, if it has not landed); a red ring marks a break-glass step.</p>
${timelines.length === 0 ? '<p>No Airlock commits in this history.</p>' : `${timelineSvg(timelines)}<p class="legend">${legend}</p>`}
<h2>Incidents</h2><table><tr><th>Incident</th><th>Severity</th><th>Opened</th><th>Contained (landed)</th><th>Time to contain</th><th>Lifted</th><th>Break-glass</th><th>Unsigned</th></tr>${summary}</table>
<h2>Steps</h2><table><tr><th>Incident</th><th>Made</th><th>Landed</th><th>Action</th><th>Who</th><th>Commit</th><th>What</th></tr>${steps}</table>
</body></html>
`;
}
