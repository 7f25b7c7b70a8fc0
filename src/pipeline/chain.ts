/**
 * The source → contacts half of the pipeline, written once for every command that reads a source:
 * read every source in turn → map fields → normalise phones → validate → dedupe.
 * The import (`run.ts`) goes on to check state, batch and upsert; reconcile compares.
 */
import type { ImportSettings } from '../config.js';
import { openSource, type SourceInfo } from '../read/index.js';
import type { Contact, Recalled, Rejected, SourceRow } from '../types.js';
import { dedupe } from './dedupe.js';
import { mapFields, type MapOptions, type MappingStats } from './map-fields.js';
import { normalisePhones } from './normalise-phone.js';
import { guardPhoneColumns } from './phone-columns.js';
import { recallRows, type RecallOptions } from './recall.js';
import { validateContacts } from './validate.js';

/** The settings the chain reads. */
export type ChainSettings = Pick<
  ImportSettings,
  | 'sources'
  | 'format'
  | 'sheet'
  | 'delimiter'
  | 'encoding'
  | 'mapping'
  | 'phoneColumns'
  | 'defaultCountry'
  | 'requireMobile'
  | 'requireSmsConsent'
  | 'workers'
>;

/** What a caller may watch as the sources are read (the import's pre-flight). */
export interface ChainObserver {
  /** Counts which column each row's mobile came from. */
  mappingStats?: MappingStats;
  /** Called when a source is open, before its first row. */
  onSource?: (info: SourceInfo) => void;
  /** Called for every row read, before it is mapped. */
  onRow?: (row: SourceRow) => void;
}

/** The contacts of the sources, and what is known about the sources as they are read. */
export interface SourceChain<R = never> {
  /**
   * Valid, unique contacts, and the rows rejected on the way (invalid, duplicate, blocked); with
   * recall, also the rows the state store recognised.
   */
  contacts: AsyncGenerator<Contact | Rejected | R>;
  /** One entry per source opened so far, in source order. */
  sources: readonly SourceInfo[];
  /** Rows read so far, over every source. */
  rowsRead(): number;
}

/**
 * Reads the sources through the stages up to dedupe. Nothing is read until `contacts` is iterated.
 * With `recall` (the import), rows the state store recognises by their fingerprint skip
 * normalisation and validation (`recall.ts`).
 */
export function sourceContacts(settings: ChainSettings, observer?: ChainObserver): SourceChain;
export function sourceContacts(
  settings: ChainSettings,
  observer: ChainObserver,
  recall: RecallOptions,
): SourceChain<Recalled>;
export function sourceContacts(
  settings: ChainSettings,
  observer: ChainObserver = {},
  recall?: RecallOptions,
): SourceChain<Recalled> {
  const sources: SourceInfo[] = [];
  let rowsRead = 0;
  const mapOptions: MapOptions = {
    mapping: settings.mapping,
    phoneColumns: settings.phoneColumns,
    stats: observer.mappingStats,
  };

  /** Every source in turn, as one stream of rows numbered continuously. */
  async function* readAll(): AsyncGenerator<SourceRow> {
    for (const sourcePath of settings.sources) {
      const opened = await openSource(sourcePath, {
        format: settings.format,
        sheet: settings.sheet,
        delimiter: settings.delimiter,
        encoding: settings.encoding,
        seqStart: rowsRead,
      });
      const info = opened.info;
      sources.push(info);
      observer.onSource?.(info);
      const rows = guardPhoneColumns(
        opened.rows,
        { path: info.path, headers: () => info.headers },
        mapOptions,
      );
      for await (const row of rows) {
        rowsRead++;
        observer.onRow?.(row);
        yield row;
      }
    }
  }

  const mapped = mapFields(readAll(), mapOptions);
  const drafts = recall ? recallRows(mapped, recall) : mapped;
  const phones = normalisePhones(drafts, {
    defaultCountry: settings.defaultCountry,
    requireMobile: settings.requireMobile,
    workers: settings.workers,
  });
  const valid = validateContacts(phones, { requireSmsConsent: settings.requireSmsConsent });
  return { contacts: dedupe(valid), sources, rowsRead: () => rowsRead };
}
