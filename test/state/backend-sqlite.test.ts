/** The state-store suite (backend-contract.ts) on a SQLite file. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openStateBackend } from '../../src/state/index.js';
import { describeStateBackend } from './backend-contract.js';

let dir: string;
let count = 0;
let current = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sakari-backend-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeStateBackend('SQLite', {
  open: () => {
    current = join(dir, `s${++count}`, 'state.db');
    return openStateBackend(current);
  },
  again: () => openStateBackend(current),
});
