import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';

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
