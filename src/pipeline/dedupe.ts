/**
 * Stage 5 of the pipeline: within one run, the first row with a given E.164 number is kept and
 * every later one becomes a {@link Rejected} `duplicate` row naming the kept line (CONTRACT §4).
 */
import { unexpectedKind, type Recalled, type Contact, type Rejected } from '../types.js';
import { mapChunks, perRow, type Chunks } from '../chunks.js';

/**
 * Stage: drops repeated numbers. A later row with the same E.164 as an earlier kept row becomes
 * `duplicate` / `DUPLICATE`, message `duplicate of line 12` (`… in a.csv` when the kept row came
 * from another file). Rejected rows pass through untouched and do not claim their number: a row
 * rejected for its email does not make a later valid row with the same number a duplicate.
 *
 * Memory stays small for large runs: 12 bytes a slot (16 once a second file claims a number) at
 * 57–85 % load, i.e. 14–21 bytes per distinct number (856,000 numbers: ~1.24M slots, 14 MiB)
 * in a {@link E164Index}.
 */
export function dedupe(items: AsyncIterable<Contact | Rejected>): AsyncGenerator<Contact | Rejected>;
export function dedupe(
  items: AsyncIterable<Contact | Rejected | Recalled>,
): AsyncGenerator<Contact | Rejected | Recalled>;
export function dedupe(
  items: AsyncIterable<Contact | Rejected | Recalled>,
): AsyncGenerator<Contact | Rejected | Recalled> {
  return perRow(dedupeChunks, items);
}

/** {@link dedupe}, a chunk at a time (see `chunks.ts`). */
export function dedupeChunks(
  items: Chunks<Contact | Rejected | Recalled>,
): AsyncGenerator<Array<Contact | Rejected | Recalled>> {
  const seen = new E164Index();
  const files: string[] = [];
  const fileIndex = new Map<string, number>();
  const fileOf = (file: string): number => {
    let fileId = fileIndex.get(file);
    if (fileId === undefined) {
      fileId = files.length;
      files.push(file);
      fileIndex.set(file, fileId);
    }
    return fileId;
  };
  return mapChunks(items, (item): Contact | Rejected | Recalled => {
    let mobile: string;
    switch (item.kind) {
      case 'rejected': {
        // A row the source itself blocks (SMS opt-out) claims its number like a kept row, so a later
        // row with the same number is a duplicate of it and is not sent either.
        if (item.status !== 'blocked' || item.mobileE164 === undefined) return item;
        const first = seen.claim(e164Key(item.mobileE164), fileOf(item.ref.file), item.ref.line, true);
        // An earlier row kept the number: it is sent (or Sakari has it), whatever this row says.
        if (first === undefined || first.blocked) return item;
        return { ...item, heldBy: { by: 'row', file: files[first.file] as string, line: first.line } };
      }
      case 'recalled':
        // A recalled row claims its number as the contact it was recognised as.
        mobile = item.recalled.e164;
        break;
      case 'contact':
        mobile = item.payload.mobile;
        break;
      default:
        return unexpectedKind(item);
    }
    const { file, line } = item.ref;
    const slot = seen.claim(e164Key(mobile), fileOf(file), line);
    if (slot === undefined) return item;
    const keptFile = files[slot.file] as string;
    return {
      kind: 'rejected',
      ref: item.ref,
      // A record recognised unparsed is parsed now: rejected.csv holds the row's values.
      raw: item.kind === 'recalled' && item.unparsed ? item.unparsed() : item.raw,
      mobileInput: item.mobileInput,
      mobileE164: mobile,
      status: 'duplicate',
      error: {
        code: 'DUPLICATE',
        field: 'mobile',
        message:
          keptFile === file
            ? `duplicate of line ${slot.line}`
            : `duplicate of line ${slot.line} in ${keptFile}`,
      },
    };
  });
}

/**
 * The digits of an E.164 number as a number: at most 15 digits, exact in a double, never 0.
 * @throws Error for a value that is not E.164 (a bug upstream, not a row problem).
 */
export function e164Key(e164: string): number {
  const key = Number(e164.slice(1));
  if (e164.charCodeAt(0) !== 43 /* + */ || !Number.isSafeInteger(key) || key <= 0) {
    throw new Error(`not an E.164 number: ${JSON.stringify(e164)}`);
  }
  return key;
}

/**
 * The index is this many tables (by the top bits of a key's hash), each growing on its own. A
 * single table grew by rehashing into a new one while the old was still held (until a full
 * collection frees it): at 677,000 numbers (797,000 → 1,195,000 slots) a 1M-row import held
 * 9.6 + 14.3 MiB at once, a 13 MB spike in its peak RSS (197 → 210 MB) late in the run. A
 * segment's step holds 1/64 of that, and the segments start at staggered sizes
 * ({@link initialCapacity}) so that they do not all grow at the same moment, as equally filled
 * tables of one size would.
 */
const SEGMENT_BITS = 6;
const SEGMENTS = 1 << SEGMENT_BITS;
/** The smallest segment's starting capacity (slots). */
const INITIAL_SEGMENT_CAPACITY = 64;
/**
 * Grow when this share of slots is used. Linear probing over typed arrays stays cheap this full
 * (at 0.85 a new key probes ~23 slots on average, a known one ~4, nearly all in the same cache
 * lines), and the index is the largest thing a run holds: at 0.6, 856,000 numbers took 2^21 slots
 * (24 MiB, 36 MiB while growing) instead of 2^20 (12 MiB), the peak of a 1M-row run's memory.
 */
const MAX_LOAD = 0.85;
/**
 * How much a segment grows when full. Doubling, a run's index took twice the slots it needed
 * right after each step: 891,000 numbers went from 2^20 slots to 2^21 (12 → 24 MiB, 36 MiB
 * while both were held), and a 1M-row dry run whose numbers were 91% valid peaked 12 MB higher
 * than one with 86% (194 vs 182 MB). Growing by half, the slots held stay within 1.5× of what
 * the numbers need (1M numbers: 1.2M slots, 13.7 MiB, instead of 2^21; 856,000: 13.7 instead of
 * 12 MiB), and rehashing costs about twice as much in all.
 */
const GROWTH = 1.5;

/** The row that claimed a number first: its file (index), line, and whether the source blocks it. */
export interface Claimant {
  file: number;
  line: number;
  blocked: boolean;
}

/** A claiming line's flag: the row is one the source blocks ({@link E164Index.claim}). */
const BLOCKED_BIT = 0x80000000;
const LINE_MASK = 0x7fffffff;

/** One open-addressing table of the index: the keys whose hash starts with its number. */
interface Segment {
  keys: Float64Array;
  lines: Uint32Array;
  /** The file of each slot; made when a second file claims a key here (until then every file is 0). */
  files: Uint32Array | undefined;
  count: number;
}

function emptySegment(capacity: number): Segment {
  return { keys: new Float64Array(capacity), lines: new Uint32Array(capacity), files: undefined, count: 0 };
}

/**
 * A set of E.164 keys, each with the (file, line) that claimed it first. Open addressing with
 * linear probing over typed arrays, in {@link SEGMENTS} tables that grow one at a time: 12 bytes a
 * slot (16 with several files), no per-entry objects, no limit at 2^24 entries as a `Map` has,
 * and no moment holding the whole index twice.
 */
export class E164Index {
  private readonly segments: Segment[] = Array.from({ length: SEGMENTS }, (_, index) =>
    emptySegment(initialCapacity(index)),
  );
  private count = 0;

  /** Distinct keys held. */
  get size(): number {
    return this.count;
  }

  /** Slots held (each 12 bytes, 16 with several files). */
  get capacity(): number {
    let slots = 0;
    for (const segment of this.segments) slots += segment.keys.length;
    return slots;
  }

  /**
   * Claims `key` for (file, line) if it is new; `blocked`: the claiming row is one the source
   * blocks (kept in the line's top bit: lines stay below 2^31).
   * @returns `undefined` when the key was new (now claimed), else who claimed it first.
   */
  claim(key: number, file: number, line: number, blocked = false): Claimant | undefined {
    const hashed = hash(key);
    const segment = this.segments[hashed >>> (32 - SEGMENT_BITS)] as Segment;
    const { keys } = segment;
    const capacity = keys.length;
    let slot = slotOf(hashed, capacity);
    for (;;) {
      const current = keys[slot] as number;
      if (current === 0) break;
      if (current === key) {
        const stored = segment.lines[slot] as number;
        return { file: segment.files?.[slot] ?? 0, line: stored & LINE_MASK, blocked: stored > LINE_MASK };
      }
      if (++slot === capacity) slot = 0;
    }
    keys[slot] = key;
    segment.lines[slot] = blocked ? (line | BLOCKED_BIT) >>> 0 : line;
    if (file !== 0) (segment.files ??= new Uint32Array(capacity))[slot] = file;
    this.count++;
    if (++segment.count > capacity * MAX_LOAD) grow(segment);
    return undefined;
  }
}

/**
 * Segment `index`'s starting capacity: spread evenly (in ratio) over one growth step, so that
 * segments filled alike reach their limits one after another, each step's old arrays freed by the
 * collections between them.
 */
function initialCapacity(index: number): number {
  return Math.round(INITIAL_SEGMENT_CAPACITY * GROWTH ** (index / SEGMENTS));
}

/** Rehashes a segment into {@link GROWTH} times its slots. */
function grow(segment: Segment): void {
  const { keys, lines, files } = segment;
  const capacity = Math.ceil(keys.length * GROWTH);
  const grown = emptySegment(capacity);
  if (files) grown.files = new Uint32Array(capacity);
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as number;
    if (key === 0) continue;
    let slot = slotOf(hash(key), capacity);
    while (grown.keys[slot] !== 0) if (++slot === capacity) slot = 0;
    grown.keys[slot] = key;
    grown.lines[slot] = lines[index] as number;
    if (files && grown.files) grown.files[slot] = files[index] as number;
  }
  segment.keys = grown.keys;
  segment.lines = grown.lines;
  segment.files = grown.files;
}

/**
 * The home slot among `capacity` of a key with this hash: the hash's bits below the segment's
 * number, scaled to the range (any capacity).
 */
function slotOf(hashed: number, capacity: number): number {
  return Math.floor((((hashed << SEGMENT_BITS) >>> 0) / 4294967296) * capacity);
}

/** Mixes both 32-bit halves of a key (numbers up to 15 digits) into a well-spread 32-bit hash. */
function hash(key: number): number {
  const low = key >>> 0;
  const high = (key / 4294967296) >>> 0;
  let h = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
