/**
 * The files of a reconciliation run in `<report-dir>/<run-id>/`: reconcile.csv (streamed, one line
 * per compared source contact and per source-blocked row Sakari holds, in source order, then one
 * per extra remote contact), summary.json,
 * report.html and, with `--fix`, fix.ndjson (the payloads to send again).
 */
import { join } from 'node:path';
import { CsvFile, spreadsheetSafe } from '../report/csv.js';
import { FileSink } from '../report/file-sink.js';
import { reserveRunFolder, REPORT_FILE_MODE, SUMMARY_FILE, HTML_FILE } from '../report/index.js';
import { writeFileAtomic } from '../report/summary.js';
import type { ContactPayload, RowCode, SourceRef } from '../types.js';
import { COMPARED_FIELDS, type ComparedField, type ContactDifference } from './compare.js';
import { renderReconcileHtml } from './html.js';
import type { IndexedRemote } from './remote-index.js';
import type { ReconcileCounts, ReconcileStatus, ReconcileSummary } from './types.js';

export const RECONCILE_FILE = 'reconcile.csv';
export const FIX_FILE = 'fix.ndjson';

/**
 * reconcile.csv columns. Public API. `message` (last, so the columns before it keep their places)
 * says in words what to do about a line, with the code behind it; only `blocked` and `opted_out`
 * lines have one.
 */
export const RECONCILE_COLUMNS = [
  'status',
  'mobile_e164',
  'line',
  'fields',
  'source_value',
  'remote_value',
  'contact_id',
  'message',
] as const;

/** Why the source blocks a row, for an `opted_out` line, by the row's code (validate.ts `checkConsent`). */
const BLOCKED_REASONS: Partial<Record<RowCode, string>> = {
  SOURCE_OPTED_OUT: 'the source says this person opted out of SMS',
  NO_SMS_CONSENT: 'the source records no SMS consent and --require-sms-consent is set',
};

/** Example rows kept per status for report.html. */
export const MAX_EXAMPLES_PER_STATUS = 10;
/** Distinct attribute names tallied for report.html; more are counted together. */
const MAX_TRACKED_ATTRIBUTES = 1_000;
/** Attribute names listed in report.html. */
const MAX_LISTED_ATTRIBUTES = 15;
/** Longest JSON cell kept in an HTML example. */
const MAX_EXAMPLE_CHARS = 300;
/** The bucket for attribute names past {@link MAX_TRACKED_ATTRIBUTES}. */
export const OTHER_ATTRIBUTES = '(other attributes)';

const E164 = /^\+[1-9]\d{1,14}$/;

/** One example row shown in report.html. */
export interface ReconcileExample {
  status: ReconcileStatus;
  e164: string;
  /** `file:line` or `line`, empty for extra rows. */
  where: string;
  fields: string;
  sourceValue: string;
  remoteValue: string;
  contactId: string;
  /** The line's `message` (empty but for `blocked` and `opted_out`). */
  message: string;
}

/** The run's report files while the comparison runs. */
export class ReconcileReport {
  readonly counts: ReconcileCounts = {
    source: 0,
    valid: 0,
    invalid: 0,
    duplicate: 0,
    matched: 0,
    missing: 0,
    different: 0,
    blocked: 0,
    optedOut: 0,
    extra: 0,
    remote: 0,
  };
  readonly fields = Object.fromEntries(COMPARED_FIELDS.map((field) => [field, 0])) as Record<
    ComparedField,
    number
  >;
  /** Contacts written to fix.ndjson. */
  fixContacts = 0;

  private readonly examples: Record<ReconcileStatus, ReconcileExample[]> = {
    matched: [],
    missing: [],
    different: [],
    blocked: [],
    opted_out: [],
    extra: [],
  };
  private readonly attributeNames = new Map<string, number>();
  private fixSink: FileSink | undefined;
  private csvClosed = false;

  private constructor(
    /** This run's id: the folder name under the report dir. */
    readonly runId: string,
    /** `<reportDir>/<runId>`. */
    readonly dir: string,
    private readonly csv: CsvFile,
    private readonly multipleSources: boolean,
  ) {}

  /** Reserves a new run folder `<reportDir>/<runId>/` (mode 0700) and starts reconcile.csv. */
  static async open(options: {
    reportDir: string;
    startedAt?: Date;
    multipleSources: boolean;
  }): Promise<ReconcileReport> {
    const { runId, dir } = await reserveRunFolder(options.reportDir, { startedAt: options.startedAt });
    const csv = await CsvFile.create(join(dir, RECONCILE_FILE), REPORT_FILE_MODE);
    csv.write(RECONCILE_COLUMNS);
    return new ReconcileReport(runId, dir, csv, options.multipleSources);
  }

  /** A source contact Sakari holds as the source says. */
  matched(ref: SourceRef, e164: string, remote: IndexedRemote): void {
    this.counts.matched++;
    this.line('matched', e164, ref, '', '', '', remote.id);
  }

  /** A source contact Sakari does not hold. */
  missing(ref: SourceRef, payload: ContactPayload): void {
    this.counts.missing++;
    this.line('missing', payload.mobile, ref, '', compactJson(shownFields(payload)), '', '');
  }

  /** A source contact Sakari holds with other values. */
  different(ref: SourceRef, e164: string, remote: IndexedRemote, difference: ContactDifference): void {
    this.counts.different++;
    for (const field of difference.fields) this.fields[field]++;
    const attributes = difference.source.attributes;
    if (attributes && typeof attributes === 'object') {
      for (const name of Object.keys(attributes)) this.tallyAttribute(name);
    }
    this.line(
      'different',
      e164,
      ref,
      difference.fields.join(','),
      compactJson(difference.source),
      compactJson(difference.remote),
      remote.id,
    );
  }

  /**
   * A source contact Sakari does not hold because it refuses the number (`code`, `CONT-010`: the
   * person opted out at Sakari), as an import recorded in the state. No import can store it, so
   * its message says that nothing is to be done (a `missing` contact is one `--fix` sends).
   */
  blocked(ref: SourceRef, payload: ContactPayload, code: string): void {
    this.counts.blocked++;
    this.line(
      'blocked',
      payload.mobile,
      ref,
      '',
      compactJson(shownFields(payload)),
      '',
      '',
      `Sakari refuses this number (${code}: the person opted out at Sakari), as an import recorded in the state: ` +
        'nothing to do, it is not sent again and --fix leaves it out',
    );
  }

  /**
   * A remote contact whose number a source row has that the source blocks (`code`: SMS opt-out,
   * or no consent). Reconcile does not remove it, so the line tells the user to.
   */
  optedOut(ref: SourceRef, code: RowCode, remote: IndexedRemote): void {
    this.counts.optedOut++;
    const reason = BLOCKED_REASONS[code] ?? 'the source blocks this row';
    this.line(
      'opted_out',
      remote.e164,
      ref,
      '',
      '',
      compactJson(shownFields(remote)),
      remote.id,
      `${reason} (${code}), but Sakari holds this number${remote.id === '' ? '' : ` as contact ${remote.id}`}: ` +
        'reconcile does not remove contacts; remove it or opt it out in Sakari',
    );
  }

  /** A remote contact no source row names. */
  extra(remote: IndexedRemote): void {
    this.counts.extra++;
    this.line('extra', remote.e164, undefined, '', '', compactJson(shownFields(remote)), remote.id);
  }

  /** Appends a contact to fix.ndjson (created on first use) in the import's NDJSON shape. */
  async addFix(payload: ContactPayload): Promise<void> {
    this.fixSink ??= await FileSink.create(join(this.dir, FIX_FILE), REPORT_FILE_MODE);
    this.fixSink.write(`${JSON.stringify(fixRecord(payload))}\n`);
    this.fixContacts++;
  }

  /** The path of fix.ndjson (whether or not it was written). */
  get fixPath(): string {
    return join(this.dir, FIX_FILE);
  }

  /** Backpressure: resolves when the files' buffers have drained. */
  async drain(): Promise<void> {
    this.csv.flush();
    this.fixSink?.flush();
    await Promise.all([this.csv.drain(), this.fixSink?.drain()]);
  }

  /** Closes reconcile.csv and fix.ndjson. Safe to call twice. */
  async closeFiles(): Promise<void> {
    if (this.csvClosed) return;
    this.csvClosed = true;
    await Promise.all([this.csv.close(), this.fixSink?.close()]);
  }

  /** Closes the files and writes summary.json and report.html. */
  async finish(summary: ReconcileSummary): Promise<void> {
    await this.closeFiles();
    await writeFileAtomic(
      join(this.dir, SUMMARY_FILE),
      `${JSON.stringify(summary, null, 2)}\n`,
      REPORT_FILE_MODE,
    );
    const html = renderReconcileHtml({
      summary,
      examples: [
        ...this.examples.opted_out,
        ...this.examples.different,
        ...this.examples.missing,
        ...this.examples.blocked,
        ...this.examples.extra,
      ],
      attributes: this.topAttributes(),
      files: { summary: SUMMARY_FILE, csv: RECONCILE_FILE, fix: this.fixContacts > 0 ? FIX_FILE : undefined },
    });
    await writeFileAtomic(join(this.dir, HTML_FILE), html, REPORT_FILE_MODE);
  }

  private line(
    status: ReconcileStatus,
    e164: string,
    ref: SourceRef | undefined,
    fields: string,
    sourceValue: string,
    remoteValue: string,
    contactId: string,
    message = '',
  ): void {
    const cells = [
      status,
      E164.test(e164) ? e164 : spreadsheetSafe(e164),
      ref === undefined ? '' : String(ref.line),
      fields,
      spreadsheetSafe(sourceValue),
      spreadsheetSafe(remoteValue),
      spreadsheetSafe(contactId),
      spreadsheetSafe(message),
    ];
    this.csv.write(cells);
    const examples = this.examples[status];
    if (status !== 'matched' && examples.length < MAX_EXAMPLES_PER_STATUS) {
      examples.push({
        status,
        e164,
        where: ref === undefined ? '' : this.multipleSources ? `${ref.file}:${ref.line}` : String(ref.line),
        fields,
        sourceValue: clip(sourceValue),
        remoteValue: clip(remoteValue),
        contactId,
        message: clip(message),
      });
    }
  }

  private tallyAttribute(name: string): void {
    const known = this.attributeNames.get(name);
    if (known !== undefined) this.attributeNames.set(name, known + 1);
    else if (this.attributeNames.size < MAX_TRACKED_ATTRIBUTES) this.attributeNames.set(name, 1);
    else this.attributeNames.set(OTHER_ATTRIBUTES, (this.attributeNames.get(OTHER_ATTRIBUTES) ?? 0) + 1);
  }

  private topAttributes(): Array<{ name: string; count: number }> {
    return [...this.attributeNames]
      .map(([name, count]) => ({ name, count }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
      .slice(0, MAX_LISTED_ATTRIBUTES);
  }
}

/** JSON without spaces; `''` for an empty object. */
function compactJson(value: Record<string, unknown>): string {
  return Object.keys(value).length === 0 ? '' : JSON.stringify(value);
}

/** The contact fields worth showing (empty ones left out), without the mobile (its own column). */
function shownFields(contact: {
  firstName?: string;
  lastName?: string;
  email?: string;
  country?: string;
  tags: readonly string[];
  attributes: Record<string, string>;
}): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (contact.firstName) fields.firstName = contact.firstName;
  if (contact.lastName) fields.lastName = contact.lastName;
  if (contact.email) fields.email = contact.email;
  if (contact.country) fields.country = contact.country;
  if (contact.tags.length > 0) fields.tags = contact.tags;
  if (Object.keys(contact.attributes).length > 0) fields.attributes = contact.attributes;
  return fields;
}

/** A line of fix.ndjson: the import reads `mobile`, `country`, names, `email`, `tags` and `attributes` back. */
function fixRecord(payload: ContactPayload): Record<string, unknown> {
  return {
    mobile: payload.mobile,
    country: payload.country,
    firstName: payload.firstName,
    lastName: payload.lastName,
    email: payload.email,
    tags: payload.tags,
    attributes: payload.attributes,
  };
}

function clip(text: string): string {
  return text.length > MAX_EXAMPLE_CHARS ? `${text.slice(0, MAX_EXAMPLE_CHARS)}…` : text;
}
