/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network) that a user
 * opens in a browser to see how a run went.
 */
import type { RowStatus } from '../types.js';
import type { ErrorCodeStat } from './error-codes.js';
import type { RunSummary } from './summary.js';
import { downsample, toIntervals, type TimelinePoint } from './timeline.js';

/** Everything the page shows. */
export interface ReportHtmlData {
  summary: RunSummary;
  /** Most frequent codes first (see `ErrorCodeTally.top`). */
  errorCodes: readonly ErrorCodeStat[];
  /** Cumulative samples, oldest first; downsampled here. */
  timeline: readonly TimelinePoint[];
  /** Already redacted. */
  settings?: Record<string, unknown>;
  /** Relative links to the run's other files. */
  files?: { summary: string; rows: string; rejected: string };
}

const DEFAULT_FILES = { summary: 'summary.json', rows: 'rows.csv', rejected: 'rejected.csv' };

/** Order and colours of the outcome bars: delivered first, then problems. */
const STATUS_BARS: ReadonlyArray<{ status: RowStatus; colour: string; meaning: string }> = [
  { status: 'created', colour: '#2e7d32', meaning: 'new contacts in Sakari' },
  { status: 'updated', colour: '#1565c0', meaning: 'existing contacts updated' },
  { status: 'unchanged', colour: '#78909c', meaning: 'same as last acknowledged, not sent' },
  { status: 'blocked', colour: '#ef6c00', meaning: 'opted out (CONT-010), never sent' },
  { status: 'failed', colour: '#c62828', meaning: 'refused by Sakari or not delivered' },
  { status: 'invalid', colour: '#ad1457', meaning: 'failed validation, not sent' },
  { status: 'duplicate', colour: '#6a1b9a', meaning: 'same number as an earlier row' },
];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

function formatNumber(value: number, fractionDigits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: fractionDigits });
}

/** `1h 02m 03s`, `4m 05s`, `2.5s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${formatNumber(ms / 1000, 1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const mm = String(minutes).padStart(2, '0');
  const ss = String(seconds).padStart(2, '0');
  return hours > 0 ? `${hours}h ${mm}m ${ss}s` : `${minutes}m ${ss}s`;
}

function settingText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function outcomeLabel(summary: RunSummary, problems: readonly string[]): { text: string; tone: string } {
  if (problems.length > 0) return { text: 'Report invariants violated (bug)', tone: 'bad' };
  if (summary.partial) return { text: 'Aborted: partial report', tone: 'bad' };
  if (summary.exitCode === 0) return { text: 'Completed', tone: 'good' };
  if (summary.exitCode === 3) return { text: 'Completed with problems (exit 3)', tone: 'warn' };
  return { text: `Exit code ${summary.exitCode}`, tone: 'bad' };
}

function renderMeta(summary: RunSummary): string {
  const rows: Array<[string, string]> = [
    ['Command', escapeHtml(summary.command)],
    ['Account', escapeHtml(summary.account)],
    ['Dry run', summary.dryRun ? 'yes: nothing was sent to Sakari' : 'no'],
    ['Started', escapeHtml(summary.startedAt)],
    ['Finished', escapeHtml(summary.finishedAt)],
    ['Duration', escapeHtml(formatDuration(summary.durationMs))],
    ['Exit code', String(summary.exitCode)],
  ];
  if (summary.abortReason !== undefined) rows.push(['Abort reason', escapeHtml(summary.abortReason)]);
  const sources =
    summary.sources.length === 0
      ? '<p class="muted">No source.</p>'
      : `<table class="sources"><thead><tr><th>Source</th><th>Format</th><th>sha256</th></tr></thead><tbody>${summary.sources
          .map(
            (source) =>
              `<tr><td>${escapeHtml(source.path)}</td><td>${escapeHtml(source.format)}</td><td><code>${escapeHtml(source.sha256)}</code></td></tr>`,
          )
          .join('')}</tbody></table>`;
  return `<dl class="meta">${rows.map(([key, value]) => `<dt>${key}</dt><dd>${value}</dd>`).join('')}</dl>${sources}`;
}

function renderOutcomeChart(summary: RunSummary): string {
  const { counts } = summary;
  const labelWidth = 96;
  const barWidth = 460;
  const numberWidth = 150;
  const rowHeight = 28;
  const width = labelWidth + barWidth + numberWidth;
  const height = rowHeight * STATUS_BARS.length + 4;
  const max = Math.max(1, ...STATUS_BARS.map(({ status }) => counts[status]));
  const bars = STATUS_BARS.map(({ status, colour, meaning }, index) => {
    const value = counts[status];
    const y = index * rowHeight + 4;
    const length = value === 0 ? 0 : Math.max(2, (value / max) * barWidth);
    const share = counts.rows > 0 ? ` (${formatNumber((100 * value) / counts.rows, 1)}%)` : '';
    return (
      `<g><title>${status}: ${formatNumber(value)}${share}: ${meaning}</title>` +
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${status}</text>` +
      `<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${rowHeight - 8}" rx="2" fill="${colour}"/>` +
      `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 15}" class="num">${formatNumber(value)}${share}</text></g>`
    );
  }).join('');
  const equations =
    `rows ${formatNumber(counts.rows)} = valid ${formatNumber(counts.valid)} + invalid ${formatNumber(counts.invalid)} + duplicate ${formatNumber(counts.duplicate)}` +
    ` · valid = unchanged + created + updated + blocked + failed`;
  return (
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Row outcomes">${bars}</svg>` +
    `<p class="muted">${escapeHtml(equations)}${summary.dryRun ? ' · dry run: created/updated count what would be sent' : ''}</p>`
  );
}

function renderApi(summary: RunSummary): string {
  const { api } = summary;
  const cells: Array<[string, number]> = [
    ['Requests', api.requests],
    ['Throttled (429)', api.throttled],
    ['Retries', api.retries],
    ['Token refreshes', api.tokenRefreshes],
  ];
  const tiles = cells.map(
    ([label, value]) => `<div class="tile"><span class="big">${formatNumber(value)}</span>${label}</div>`,
  );
  const { pace } = api;
  if (pace !== undefined) {
    const perSecond = (value: number): string => `${formatNumber(value, 2)}/s`;
    const paceCells: Array<[string, string]> = pace.fixed
      ? [['Fixed pace (--fixed-rate)', perSecond(pace.ceiling)]]
      : [
          ['Pace at start', perSecond(pace.start)],
          ['Pace settled on', perSecond(pace.settled)],
          ['Next run starts at', perSecond(pace.next)],
          ['Ceiling (--rate)', perSecond(pace.ceiling)],
        ];
    for (const [label, value] of paceCells) {
      tiles.push(`<div class="tile"><span class="big">${escapeHtml(value)}</span>${escapeHtml(label)}</div>`);
    }
  }
  return `<div class="tiles">${tiles.join('')}</div>`;
}

function renderErrorCodes(errorCodes: readonly ErrorCodeStat[], multipleSources: boolean): string {
  if (errorCodes.length === 0) return '<p class="muted">No rejected, blocked or failed rows.</p>';
  const rows = errorCodes
    .map((stat) => {
      const examples = stat.examples
        .map((example) => {
          const where = multipleSources ? `${example.file}:${example.line}` : String(example.line);
          return (
            `<li><span class="line">line ${escapeHtml(where)}</span> ` +
            `<code>${escapeHtml(example.mobileInput === '' ? '(empty)' : example.mobileInput)}</code> ` +
            `${escapeHtml(example.message)}</li>`
          );
        })
        .join('');
      return (
        `<tr><td><code>${escapeHtml(stat.code)}</code></td><td>${escapeHtml(stat.status)}</td>` +
        `<td class="n">${formatNumber(stat.count)}</td><td>${escapeHtml(stat.description)}</td>` +
        `<td><ul class="examples">${examples}</ul></td></tr>`
      );
    })
    .join('');
  return (
    `<table class="codes"><thead><tr><th>Code</th><th>Status</th><th class="n">Rows</th><th>Meaning</th>` +
    `<th>Examples (line, mobile input, message)</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((candidate) => candidate * magnitude >= value) ?? 10;
  return step * magnitude;
}

function renderTimeline(points: readonly TimelinePoint[]): string {
  const intervals = toIntervals(downsample(points));
  const last = intervals.at(-1);
  // Fewer than three intervals make a misleading chart (repeated tick labels, one spike).
  if (!last || last.toSeconds <= 0 || intervals.length < 3) {
    return '<p class="muted">Not enough timeline samples for a chart (the run was too short).</p>';
  }
  const left = 56;
  const right = 16;
  const plotWidth = 820;
  const rateTop = 10;
  const rateHeight = 150;
  const barTop = rateTop + rateHeight + 30;
  const barHeight = 60;
  const width = left + plotWidth + right;
  const height = barTop + barHeight + 26;
  const span = last.toSeconds;
  const x = (seconds: number): number => left + (seconds / span) * plotWidth;
  const rateMax = niceMax(
    Math.max(...intervals.map((i) => Math.max(i.rowsPerSecond, i.requestsPerSecond, i.pace ?? 0))),
  );
  const yRate = (rate: number): number => rateTop + rateHeight - (rate / rateMax) * rateHeight;
  const throttleMax = niceMax(Math.max(...intervals.map((i) => i.throttled)));
  const step = (pick: (i: (typeof intervals)[number]) => number): string =>
    intervals
      .map(
        (i) =>
          `${x(i.fromSeconds).toFixed(1)},${yRate(pick(i)).toFixed(1)} ${x(i.toSeconds).toFixed(1)},${yRate(pick(i)).toFixed(1)}`,
      )
      .join(' ');
  const paced = intervals.filter((i) => i.pace !== undefined);
  const paceLine =
    paced.length === 0
      ? ''
      : `<polyline points="${step((i) => i.pace ?? 0)}" fill="none" stroke="#2e7d32" stroke-width="1.5"/>`;
  const bars = intervals
    .filter((i) => i.throttled > 0)
    .map((i) => {
      const h = (i.throttled / throttleMax) * barHeight;
      const w = Math.max(1, x(i.toSeconds) - x(i.fromSeconds));
      return `<rect x="${x(i.fromSeconds).toFixed(1)}" y="${(barTop + barHeight - h).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="#c62828"><title>${formatNumber(i.throttled)} × 429 at ${formatNumber(i.fromSeconds, 1)}–${formatNumber(i.toSeconds, 1)} s</title></rect>`;
    })
    .join('');
  const totalThrottled = intervals.reduce((sum, i) => sum + i.throttled, 0);
  const axisBottom = barTop + barHeight;
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((fraction) => {
      const seconds = span * fraction;
      return `<text x="${x(seconds).toFixed(1)}" y="${axisBottom + 16}" text-anchor="middle">${escapeHtml(formatDuration(seconds * 1000))}</text>`;
    })
    .join('');
  return (
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Throughput and throttling over time">` +
    `<line x1="${left}" y1="${rateTop + rateHeight}" x2="${left + plotWidth}" y2="${rateTop + rateHeight}" class="axis"/>` +
    `<line x1="${left}" y1="${rateTop}" x2="${left + plotWidth}" y2="${rateTop}" class="grid"/>` +
    `<text x="${left - 6}" y="${rateTop + 4}" text-anchor="end">${formatNumber(rateMax, 1)}/s</text>` +
    `<text x="${left - 6}" y="${rateTop + rateHeight + 4}" text-anchor="end">0</text>` +
    `<polyline points="${step((i) => i.requestsPerSecond)}" fill="none" stroke="#90a4ae" stroke-width="1.5" stroke-dasharray="4 3"/>` +
    `<polyline points="${step((i) => i.rowsPerSecond)}" fill="none" stroke="#1565c0" stroke-width="2"/>` +
    paceLine +
    `<line x1="${left}" y1="${axisBottom}" x2="${left + plotWidth}" y2="${axisBottom}" class="axis"/>` +
    (totalThrottled > 0
      ? `<text x="${left - 6}" y="${barTop + 4}" text-anchor="end">${formatNumber(throttleMax)}</text>`
      : '') +
    `<text x="${left}" y="${barTop - 8}">429 answers per interval (total ${formatNumber(totalThrottled)})</text>` +
    bars +
    ticks +
    `</svg>` +
    `<p class="legend"><span class="key" style="background:#1565c0"></span>rows/s ` +
    `<span class="key dashed"></span>API requests/s ` +
    (paced.length === 0
      ? ''
      : `<span class="key" style="background:#2e7d32"></span>pace (requests/s allowed) `) +
    `<span class="key" style="background:#c62828"></span>429 answers</p>`
  );
}

function renderSettings(settings: Record<string, unknown> | undefined): string {
  const entries = Object.entries(settings ?? {});
  if (entries.length === 0) return '<p class="muted">No settings recorded.</p>';
  return `<table class="settings"><tbody>${entries
    .map(
      ([key, value]) =>
        `<tr><th>${escapeHtml(key)}</th><td><code>${escapeHtml(settingText(value))}</code></td></tr>`,
    )
    .join('')}</tbody></table>`;
}

/** The stylesheet of every sakari-sync HTML page (import and reconcile reports). */
export const REPORT_STYLE = `
:root{color-scheme:light;--fg:#1d2327;--muted:#5f6b73;--line:#dfe3e6;--bg:#fff;--soft:#f5f7f8}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px 48px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg);max-width:1100px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:16px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
code{font:12.5px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
table.codes td:first-child code{word-break:normal;white-space:nowrap}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;font-size:13px}
.badge.good{background:#e8f5e9;color:#1b5e20}.badge.warn{background:#fff3e0;color:#8a4b00}.badge.bad{background:#ffebee;color:#b71c1c}
.problems{background:#ffebee;border:1px solid #ef9a9a;padding:8px 16px;border-radius:4px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:12px 0}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
thead th{background:var(--soft);font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
table.settings th{width:220px;font-weight:500;color:var(--muted)}
ul.examples{margin:0;padding-left:16px}ul.examples li{margin:0 0 2px}
.line{color:var(--muted);white-space:nowrap}
.muted{color:var(--muted)}
svg.chart{max-width:100%;height:auto;font-size:12px;fill:var(--fg)}
svg.chart .num{font-variant-numeric:tabular-nums}
svg .axis{stroke:#90a4ae}svg .grid{stroke:var(--line);stroke-dasharray:2 3}
.tiles{display:flex;gap:12px;flex-wrap:wrap}
.tile{background:var(--soft);border-radius:6px;padding:8px 14px;min-width:140px;color:var(--muted)}
.tile .big{display:block;font-size:20px;font-weight:600;color:var(--fg)}
.legend .key{display:inline-block;width:18px;height:4px;vertical-align:middle;margin:0 4px 0 12px}
.legend .key.dashed{background:repeating-linear-gradient(90deg,#90a4ae 0 4px,transparent 4px 7px)}
footer{margin-top:32px;color:var(--muted)}footer a{margin-right:16px}
`;

/**
 * The start of a self-contained report page up to `<body>`: a Content-Security-Policy that lets the
 * page load nothing, no referrer, and the shared stylesheet.
 */
export function pageHead(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
`;
}

/**
 * Renders report.html. Pure: the same data gives the same page. All user data is HTML-escaped;
 * the page loads nothing (a Content-Security-Policy forbids any fetch) and links only to the
 * run's own files by relative path.
 */
export function renderReportHtml(data: ReportHtmlData): string {
  const { summary } = data;
  const problems = summary.problems ?? [];
  const files = data.files ?? DEFAULT_FILES;
  const label = outcomeLabel(summary, problems);
  const title = `sakari-sync ${summary.command} ${summary.runId}`;
  const problemBox =
    problems.length > 0
      ? `<div class="problems"><p><strong>The report's counts do not add up.</strong> This is a bug in sakari-sync; the run exits with code 1.</p><ul>${problems
          .map((problem) => `<li>${escapeHtml(problem)}</li>`)
          .join('')}</ul></div>`
      : '';
  return `${pageHead(title)}<header>
<h1>${escapeHtml(summary.command)} run <code>${escapeHtml(summary.runId)}</code></h1>
<span class="badge ${label.tone}">${escapeHtml(label.text)}</span>${summary.dryRun ? ' <span class="badge warn">dry run</span>' : ''}
</header>
${problemBox}
<section id="run">
<h2>Run</h2>
${renderMeta(summary)}
</section>
<section id="outcomes">
<h2>Outcomes (${formatNumber(summary.counts.rows)} rows)</h2>
${renderOutcomeChart(summary)}
</section>
<section id="api">
<h2>Sakari API</h2>
${renderApi(summary)}
</section>
<section id="errors">
<h2>Top error codes</h2>
${renderErrorCodes(data.errorCodes, summary.sources.length > 1)}
</section>
<section id="timeline">
<h2>Throughput and throttling</h2>
${renderTimeline(data.timeline)}
</section>
<section id="settings">
<h2>Settings</h2>
${renderSettings(data.settings)}
</section>
<footer>
Files: <a href="${escapeHtml(files.summary)}">${escapeHtml(files.summary)}</a>
<a href="${escapeHtml(files.rows)}">${escapeHtml(files.rows)}</a>
<a href="${escapeHtml(files.rejected)}">${escapeHtml(files.rejected)}</a>
</footer>
</body>
</html>
`;
}
