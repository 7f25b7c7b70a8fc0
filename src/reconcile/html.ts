/**
 * report.html of a reconciliation: one self-contained page (inline CSS and SVG, no script, no
 * network) with the counts as a bar chart, the fields that differ most and example rows.
 */
import { escapeHtml, pageHead } from '../report/index.js';
import { COMPARED_FIELDS } from './compare.js';
import type { ReconcileExample } from './report.js';
import type { ReconcileCounts, ReconcileSummary } from './types.js';

/** Everything the page shows. */
export interface ReconcileHtmlData {
  summary: ReconcileSummary;
  /** A few rows of each status worth a look (opted_out, different, missing, blocked, extra). */
  examples: readonly ReconcileExample[];
  /** The attribute names that differ most, most frequent first. */
  attributes: ReadonlyArray<{ name: string; count: number }>;
  /** Relative links to the run's other files. */
  files: { summary: string; csv: string; fix?: string };
}

const BARS: ReadonlyArray<{ key: keyof ReconcileCounts; colour: string; meaning: string }> = [
  { key: 'matched', colour: '#2e7d32', meaning: 'in Sakari as the source says' },
  { key: 'different', colour: '#ef6c00', meaning: 'in Sakari with other values' },
  { key: 'missing', colour: '#c62828', meaning: 'in the source, not in Sakari' },
  {
    key: 'blocked',
    colour: '#8d6e63',
    meaning:
      'in the source, refused by Sakari (CONT-010: opted out at Sakari), as the state records: not sent',
  },
  {
    key: 'optedOut',
    colour: '#b71c1c',
    meaning: 'in Sakari, but the source blocks this row (SMS opt-out or no consent): opted_out lines',
  },
  { key: 'extra', colour: '#78909c', meaning: 'in Sakari, not in the source' },
  {
    key: 'invalid',
    colour: '#ad1457',
    meaning: 'source rows that failed validation or that the source blocks (not compared)',
  },
  { key: 'duplicate', colour: '#6a1b9a', meaning: 'repeated source numbers (not compared)' },
];

function formatNumber(value: number): string {
  return value.toLocaleString('en-US');
}

function outcome(summary: ReconcileSummary): { text: string; tone: string } {
  if (summary.problems && summary.problems.length > 0)
    return { text: 'Counts do not add up (bug)', tone: 'bad' };
  if (summary.partial) return { text: 'Aborted: partial report', tone: 'bad' };
  if (summary.exitCode === 0) {
    const { blocked } = summary.counts;
    const refused = blocked > 0 ? ` (${formatNumber(blocked)} blocked: Sakari refuses them)` : '';
    return { text: `In sync: nothing missing, different or opted out${refused}`, tone: 'good' };
  }
  if (summary.exitCode === 3) {
    const { missing, different, optedOut } = summary.counts;
    const held = optedOut > 0 ? `, ${formatNumber(optedOut)} opted out but in Sakari` : '';
    return {
      text: `${formatNumber(missing)} missing, ${formatNumber(different)} different${held} (exit 3)`,
      tone: optedOut > 0 ? 'bad' : 'warn',
    };
  }
  return { text: `Exit code ${summary.exitCode}`, tone: 'bad' };
}

function renderMeta(summary: ReconcileSummary): string {
  const rows: Array<[string, string]> = [
    ['Account', escapeHtml(summary.account)],
    ['Sources', escapeHtml(summary.sources.map((source) => source.path).join(', ') || '(none)')],
    ['Merge strategy', escapeHtml(summary.mergeStrategy)],
    ['Started', escapeHtml(summary.startedAt)],
    ['Finished', escapeHtml(summary.finishedAt)],
    ['Duration', escapeHtml(`${(summary.durationMs / 1000).toFixed(1)} s`)],
    [
      'API',
      escapeHtml(
        `${summary.api.requests} requests, ${summary.api.throttled} throttled, ${summary.api.retries} retries`,
      ),
    ],
    ['Exit code', String(summary.exitCode)],
  ];
  if (summary.abortReason !== undefined) rows.push(['Abort reason', escapeHtml(summary.abortReason)]);
  if (summary.fix) {
    const fix = summary.fix;
    const what = fix.dryRun
      ? `${formatNumber(fix.contacts)} contacts written to ${fix.file}, not sent (dry run)`
      : fix.reportPath
        ? `${formatNumber(fix.contacts)} contacts sent again (exit ${fix.exitCode ?? '?'}); import report ${fix.reportPath}`
        : `${formatNumber(fix.contacts)} contacts to send${fix.error ? `; the import failed: ${fix.error}` : ''}`;
    rows.push(['Fix', escapeHtml(what)]);
  }
  return `<dl class="meta">${rows.map(([key, value]) => `<dt>${key}</dt><dd>${value}</dd>`).join('')}</dl>`;
}

function renderChart(counts: ReconcileCounts): string {
  const labelWidth = 90;
  const barWidth = 460;
  const numberWidth = 140;
  const rowHeight = 28;
  const width = labelWidth + barWidth + numberWidth;
  const height = rowHeight * BARS.length + 4;
  const max = Math.max(1, ...BARS.map(({ key }) => counts[key]));
  const bars = BARS.map(({ key, colour, meaning }, index) => {
    const value = counts[key];
    const y = index * rowHeight + 4;
    const length = value === 0 ? 0 : Math.max(2, (value / max) * barWidth);
    return (
      `<g><title>${key}: ${formatNumber(value)}: ${meaning}</title>` +
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${key}</text>` +
      `<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${rowHeight - 8}" rx="2" fill="${colour}"/>` +
      `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 15}">${formatNumber(value)}</text></g>`
    );
  }).join('');
  const equations =
    `source ${formatNumber(counts.source)} = valid ${formatNumber(counts.valid)} + invalid ${formatNumber(counts.invalid)} + duplicate ${formatNumber(counts.duplicate)}` +
    ` · valid = matched + missing + different + blocked · remote ${formatNumber(counts.remote)} = matched + different + optedOut + extra`;
  return (
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Reconciliation counts">${bars}</svg>` +
    `<p class="muted">${escapeHtml(equations)}</p>`
  );
}

function renderFields(data: ReconcileHtmlData): string {
  const { fields, counts } = data.summary;
  const rows = COMPARED_FIELDS.map((field) => ({ field, count: fields[field] }))
    .filter((row) => row.count > 0)
    .sort((a, b) => b.count - a.count);
  if (rows.length === 0) return '<p class="muted">No field differs.</p>';
  const share = (count: number): string =>
    counts.different > 0 ? `${((100 * count) / counts.different).toFixed(1)}%` : '';
  const fieldRows = rows
    .map(
      (row) =>
        `<tr><td><code>${escapeHtml(row.field)}</code></td><td class="n">${formatNumber(row.count)}</td><td class="n">${share(row.count)}</td></tr>`,
    )
    .join('');
  const attributeRows = data.attributes
    .map(
      (row) =>
        `<tr><td><code>attributes.${escapeHtml(row.name)}</code></td><td class="n">${formatNumber(row.count)}</td><td class="n">${share(row.count)}</td></tr>`,
    )
    .join('');
  return (
    `<table><thead><tr><th>Field</th><th class="n">Different rows</th><th class="n">Share</th></tr></thead>` +
    `<tbody>${fieldRows}${attributeRows}</tbody></table>`
  );
}

function renderExamples(examples: readonly ReconcileExample[]): string {
  if (examples.length === 0)
    return '<p class="muted">Nothing missing, different, blocked, opted out or extra.</p>';
  const rows = examples
    .map(
      (example) =>
        `<tr><td>${escapeHtml(example.status)}</td><td><code>${escapeHtml(example.e164)}</code></td>` +
        `<td>${escapeHtml(example.where)}</td><td>${escapeHtml(example.fields)}</td>` +
        `<td><code>${escapeHtml(example.sourceValue)}</code></td><td><code>${escapeHtml(example.remoteValue)}</code></td>` +
        `<td><code>${escapeHtml(example.contactId)}</code></td><td>${escapeHtml(example.message)}</td></tr>`,
    )
    .join('');
  return (
    `<table><thead><tr><th>Status</th><th>Mobile</th><th>Line</th><th>Fields</th><th>Source</th><th>Sakari</th><th>Contact id</th><th>Note</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>`
  );
}

/**
 * Renders report.html for a reconciliation. Pure; every value from the data is HTML-escaped and
 * a Content-Security-Policy forbids the page from loading anything.
 */
export function renderReconcileHtml(data: ReconcileHtmlData): string {
  const { summary, files } = data;
  const label = outcome(summary);
  const title = `sakari-sync reconcile ${summary.runId}`;
  const notes = [...(summary.problems ?? []), ...(summary.warnings ?? [])];
  const noteBox =
    notes.length > 0
      ? `<div class="problems"><ul>${notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul></div>`
      : '';
  const links = [files.summary, files.csv, ...(files.fix ? [files.fix] : [])]
    .map((file) => `<a href="${escapeHtml(file)}">${escapeHtml(file)}</a>`)
    .join('\n');
  return `${pageHead(title)}<header>
<h1>reconcile run <code>${escapeHtml(summary.runId)}</code></h1>
<span class="badge ${label.tone}">${escapeHtml(label.text)}</span>
</header>
${noteBox}
<section id="run">
<h2>Run</h2>
${renderMeta(summary)}
</section>
<section id="counts">
<h2>Counts (${formatNumber(summary.counts.valid)} source contacts compared, ${formatNumber(summary.counts.remote)} in Sakari)</h2>
${renderChart(summary.counts)}
</section>
<section id="fields">
<h2>Fields that differ most</h2>
${renderFields(data)}
</section>
<section id="examples">
<h2>Examples</h2>
${renderExamples(data.examples)}
</section>
<footer>
Files: ${links}
</footer>
</body>
</html>
`;
}
