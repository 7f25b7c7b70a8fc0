import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { deflateRawSync, deflateSync } from 'node:zlib';
import { afterAll, beforeAll } from 'vitest';

import { seededRandom } from '../../src/sandbox/prng.js';
import { openSource, type ReadOptions, type SourceInfo } from '../../src/read/index.js';
import type { SourceRow } from '../../src/types.js';

/** A fresh temp directory for the current test file, removed afterwards. */
export function useTempDir(): {
  path: (name: string) => string;
  write: (name: string, data: string | Uint8Array) => Promise<string>;
} {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sakari-read-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const path = (name: string): string => join(dir, name);
  return {
    path,
    write: async (name, data) => {
      await writeFile(path(name), data);
      return path(name);
    },
  };
}

export interface ReadResult {
  info: SourceInfo;
  rows: SourceRow[];
  /** What the rows generator threw, if anything. */
  error?: unknown;
}

/** Opens a source and reads it to the end, keeping what it threw. */
export async function readAll(path: string, options?: ReadOptions): Promise<ReadResult> {
  const { info, rows } = await openSource(path, options);
  const collected: SourceRow[] = [];
  try {
    for await (const row of rows) collected.push(row);
  } catch (error) {
    return { info, rows: collected, error };
  }
  return { info, rows: collected };
}

/** A stdin stand-in that hands out `data` in chunks of `chunkSize` bytes. */
export function chunkedStream(data: string | Uint8Array, chunkSize = 65536): Readable {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  function* chunks(): Generator<Buffer> {
    for (let at = 0; at < bytes.length; at += chunkSize) yield bytes.subarray(at, at + chunkSize);
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** `[line, raw]` of each row: what most CSV assertions compare. */
export function linesAndRaw(rows: SourceRow[]): [number, Record<string, unknown>][] {
  return rows.map((row) => [row.ref.line, row.raw]);
}

/**
 * Files that really are binary, seeded so every run sees the same bytes: random bytes, a PNG
 * (signature, IHDR, deflated pixels) and a zip (a local file header and deflated data).
 */
export function binaryFiles(seed = 7): { name: string; bytes: Buffer }[] {
  const random = seededRandom(seed);
  const noise = (length: number): Buffer =>
    Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(64, 0);
  ihdr.writeUInt32BE(64, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(noise(64 * 64 * 3))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  const content = deflateRawSync(noise(8192));
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(8, 8); // deflate
  header.writeUInt32LE(content.length, 18);
  header.writeUInt32LE(8192, 22);
  header.writeUInt16LE('contacts.csv'.length, 26);
  const zip = Buffer.concat([header, Buffer.from('contacts.csv', 'latin1'), content]);
  return [
    { name: 'random.csv', bytes: noise(4096) },
    { name: 'image.csv', bytes: png },
    { name: 'archive.csv', bytes: zip },
  ];
}
