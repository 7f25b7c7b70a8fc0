import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { RowOutcome } from '../types.js';
import { CsvFile, cellText, spreadsheetSafe } from './csv.js';
import { FileSink } from './file-sink.js';

/** The file rejected rows are appended to during the run. */
export const REJECTED_PARTIAL_FILE = 'rejected.partial.ndjson';
/** The file built from it at the end. */
export const REJECTED_FILE = 'rejected.csv';
/** The columns added after the original ones. */
export const REJECTED_EXTRA_COLUMNS = ['error_code', 'error_message'] as const;

/** What one line of the partial file holds. */
interface RejectedLine {
  raw: Record<string, unknown>;
  code: string;
  message: string;
}

/**
 * rejected.csv: the original columns of every invalid, duplicate, blocked and failed row plus
 * `error_code,error_message`, so a user can fix the rows and feed the file back.
 *
 * The columns are only known at the end (sources differ: CSV headers, JSON keys), so rows are
 * appended as NDJSON during the run and converted in one streaming pass at the end: the
 * header is the union of the rows' keys in first-seen order, gathered while appending.
 */
export class RejectedLedger {
  /** Union of the rows' keys, in first-seen order (as many as the sources have columns). */
  private readonly keys = new Set<string>();

  private constructor(
    private readonly dir: string,
    private readonly sink: FileSink,
  ) {}

  /** Creates the partial file in `dir`. */
  static async create(dir: string, mode: number): Promise<RejectedLedger> {
    return new RejectedLedger(dir, await FileSink.create(join(dir, REJECTED_PARTIAL_FILE), mode));
  }

  /** The underlying partial file (for flushing and drain). */
  get file(): FileSink {
    return this.sink;
  }

  /** Appends one row. Call in source order: rejected.csv keeps the order of the appends. */
  append(outcome: RowOutcome): void {
    for (const key of Object.keys(outcome.raw)) this.keys.add(key);
    const line: RejectedLine = { raw: outcome.raw, code: outcome.code ?? '', message: outcome.message ?? '' };
    let json: string;
    try {
      json = JSON.stringify(line);
    } catch {
      // A raw value JSON cannot hold (circular, BigInt): keep the row with its values as text.
      const raw = Object.fromEntries(
        Object.entries(outcome.raw).map(([key, value]) => [key, cellText(value)]),
      );
      json = JSON.stringify({ ...line, raw });
    }
    this.sink.write(`${json}\n`);
  }

  /**
   * Closes the partial file, writes rejected.csv from it and deletes it.
   * The partial file is kept if the conversion fails, so nothing is lost.
   */
  async finalize(mode: number): Promise<void> {
    await this.sink.close();
    const partialPath = join(this.dir, REJECTED_PARTIAL_FILE);
    const extra = new Set<string>(REJECTED_EXTRA_COLUMNS);

    // A fed-back rejected.csv already has error_code/error_message columns: those are replaced
    // by this run's values rather than repeated.
    const columns = [...this.keys].filter((key) => !extra.has(key));

    const out = await CsvFile.create(join(this.dir, REJECTED_FILE), mode);
    try {
      out.write([...columns.map(spreadsheetSafe), ...REJECTED_EXTRA_COLUMNS]);
      for await (const line of readLines(partialPath)) {
        const cells = columns.map((key) =>
          Object.hasOwn(line.raw, key) ? spreadsheetSafe(cellText(line.raw[key])) : '',
        );
        out.write([...cells, spreadsheetSafe(line.code), spreadsheetSafe(line.message)]);
        if (out.needsDrain) await out.drain();
      }
    } finally {
      await out.close();
    }
    await unlink(partialPath);
  }
}

async function* readLines(path: string): AsyncGenerator<RejectedLine> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const text of lines) {
    if (text === '') continue;
    const parsed = JSON.parse(text) as Partial<RejectedLine>;
    yield {
      raw: parsed.raw !== null && typeof parsed.raw === 'object' ? parsed.raw : {},
      code: typeof parsed.code === 'string' ? parsed.code : '',
      message: typeof parsed.message === 'string' ? parsed.message : '',
    };
  }
}
