import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from 'vitest';

import { eachFileBlock, FILE_READ_BYTES } from '../src/file-blocks.js';
import { useTempDir } from './read/helpers.js';

const tmp = useTempDir();

test('hands out every byte of a file of several blocks, in order, each block once used', async () => {
  const bytes = randomBytes(FILE_READ_BYTES * 2 + 12_345);
  const path = await tmp.write('blocks.bin', bytes);
  const copies: Buffer[] = [];
  await eachFileBlock(path, async (block) => {
    // The buffer is read into again after this resolves: a block copied late is still this block.
    await sleep(5);
    copies.push(Buffer.from(block));
  });
  expect(copies.map((copy) => copy.length)).toEqual([FILE_READ_BYTES, FILE_READ_BYTES, 12_345]);
  expect(Buffer.concat(copies).equals(bytes)).toBe(true);
});

test('an empty file hands out nothing; a missing one rejects with ENOENT', async () => {
  const seen: number[] = [];
  await eachFileBlock(await tmp.write('empty.bin', ''), (block) => seen.push(block.length));
  expect(seen).toEqual([]);
  await expect(eachFileBlock(tmp.path('missing.bin'), () => undefined)).rejects.toMatchObject({
    code: 'ENOENT',
  });
});

test('a use that throws stops the reading and rejects with its error', async () => {
  const path = await tmp.write('twice.bin', randomBytes(FILE_READ_BYTES + 1));
  let calls = 0;
  const failing = eachFileBlock(path, () => {
    calls++;
    throw new Error('disk full');
  });
  await expect(failing).rejects.toThrow('disk full');
  expect(calls).toBe(1);
  // The file is left as it was (and its handle closed: it can be read again).
  expect((await readFile(path)).length).toBe(FILE_READ_BYTES + 1);
});
