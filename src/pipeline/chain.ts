/**
 * The source → contacts half of the pipeline, written once for every command that reads a source:
 * read every source in turn → map fields → normalise phones → validate → dedupe.
 * The import (`run.ts`) goes on to check state, batch and upsert; reconcile compares.
 */
import type { Readable } from 'node:stream';

import type { ImportSettings } from '../config.js';
import { openArchive, openSource, type ReadOptions, type SourceInfo } from '../read/index.js';
import type { Contact, Recalled, Rejected, SourceRow } from '../types.js';
import { flatten, type Chunks } from '../chunks.js';
import { dedupeChunks } from './dedupe.js';
import { mapFieldChunks, type MapOptions, type MappingStats } from './map-fields.js';
import { normalisePhoneChunks } from './normalise-phone.js';
import { guardPhoneColumnChunks } from './phone-columns.js';
import { recallChunks, RowRecall, type RecallOptions } from './recall.js';
import { validateChunks } from './validate.js';

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
> &
  Partial<Pick<ImportSettings, 'dryRun'>>;

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
  /** The same rows a chunk at a time, in order (see `chunks.ts`). Iterate this or `contacts`, not both. */
  chunks: Chunks<Contact | Rejected | R>;
  /** One entry per source opened so far, in source order. */
  sources: readonly SourceInfo[];
  /** Rows read so far, over every source. */
  rowsRead(): number;
  /** Whether the last source (a zip archive's last file) has been opened. */
  allOpened(): boolean;
  /** Whether every source has been read to its end, so `rowsRead()` is the total. */
  ended(): boolean;
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
  // Shared by the CSV reader, which recognises records before parsing them, and the recall stage.
  const rowRecall = recall?.store ? new RowRecall(recall, recall.store) : undefined;
  const readerRecall = rowRecall?.forReader();
  const mapOptions: MapOptions = {
    mapping: settings.mapping,
    phoneColumns: settings.phoneColumns,
    stats: observer.mappingStats,
  };

  let allOpened = false;
  let ended = false;
  /** The reading options of every source, as the run gives them. */
  const readOptions: Pick<ReadOptions, 'format' | 'sheet' | 'delimiter' | 'encoding'> = {
    format: settings.format,
    sheet: settings.sheet,
    delimiter: settings.delimiter,
    encoding: settings.encoding,
  };

  /** Every source in turn (a zip archive's files each as one), as one stream of rows numbered continuously. */
  async function* readAll(): AsyncGenerator<SourceRow[]> {
    for (const [index, sourcePath] of settings.sources.entries()) {
      const lastSource = index === settings.sources.length - 1;
      // `--format` says what the file is: a zip so named is read as a workbook.
      const archive = settings.format === undefined ? await openArchive(sourcePath) : undefined;
      if (archive === undefined) {
        yield* readSource(sourcePath, lastSource);
        continue;
      }
      try {
        // Every file of the archive can hold a phone before any row of it is read: a zip of a CRM's
        // objects (Account.csv, Opportunity.csv…) stops before sending anything, as one file would.
        if (archive.members.length > 1)
          for (const member of archive.members) await checkSource(member.path, await member.open());
        for (const [at, member] of archive.members.entries()) {
          const last = lastSource && at === archive.members.length - 1;
          yield* readSource(member.path, last, await member.open());
        }
      } finally {
        archive.close();
      }
    }
    ended = true;
  }

  /**
   * Reads a source only as far as {@link guardPhoneColumnChunks} needs to tell that a column can
   * hold a phone; throws as it does (or as the reader does) when none can. Nothing is recorded.
   */
  async function checkSource(sourcePath: string, input: Readable): Promise<void> {
    const opened = await openSource(sourcePath, { ...readOptions, input });
    const { info } = opened;
    const chunks = guardPhoneColumnChunks(opened.chunks, guardedSource(info), mapOptions);
    try {
      await chunks.next();
    } finally {
      await chunks.return(undefined);
    }
  }

  /** A source as {@link guardPhoneColumnChunks} checks it. */
  function guardedSource(info: SourceInfo) {
    return {
      path: info.path,
      headers: () => info.headers,
      cards: info.format === 'vcf',
      guessedEncoding: () => (info.encodingGuessed === true ? info.encoding : undefined),
    };
  }

  /** One source's rows: the file at `sourcePath`, or `input` named so; `last`: the run's last. */
  async function* readSource(
    sourcePath: string,
    last: boolean,
    input?: Readable,
  ): AsyncGenerator<SourceRow[]> {
    const opened = await openSource(sourcePath, {
      ...readOptions,
      seqStart: rowsRead,
      recall: readerRecall,
      ...(input === undefined ? {} : { input }),
    });
    const info = opened.info;
    sources.push(info);
    if (last) allOpened = true;
    observer.onSource?.(info);
    const chunks = guardPhoneColumnChunks(opened.chunks, guardedSource(info), mapOptions);
    const { onRow } = observer;
    for await (const chunk of chunks) {
      rowsRead += chunk.length;
      if (onRow) for (const row of chunk) onRow(row);
      yield chunk;
    }
  }

  const mapped = mapFieldChunks(readAll(), mapOptions);
  const drafts = recall ? recallChunks(mapped, recall, rowRecall) : mapped;
  const phones = normalisePhoneChunks(drafts, {
    defaultCountry: settings.defaultCountry,
    requireMobile: settings.requireMobile,
    workers: settings.workers,
    // A dry run sends nothing: its own work bounds it from the first row, so its workers start at
    // once. A run that sends is paced by Sakari; its workers start only once parsing holds its
    // main thread back (see PhoneChunkScheduler).
    ...(settings.dryRun === true ? { startWorkers: () => true } : {}),
  });
  const valid = validateChunks(phones, { requireSmsConsent: settings.requireSmsConsent });
  const chunks = dedupeChunks(valid);
  let contacts: AsyncGenerator<Contact | Rejected | Recalled> | undefined;
  return {
    chunks,
    get contacts() {
      return (contacts ??= flatten(chunks));
    },
    sources,
    rowsRead: () => rowsRead,
    allOpened: () => allOpened,
    ended: () => ended,
  };
}
