/**
 * The sandbox's optional data file: contacts survive a restart of `sakari-sync sandbox`.
 *
 * Format: `{"version": 1, "accounts": {"<accountId>": [StoredContact, ...]}}`, contacts in creation
 * order. Saves are atomic (write a temporary file in the same folder, fsync, rename), so a crash
 * leaves either the old or the new file, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { StoredContact } from './types.js';

const DATA_FILE_VERSION = 1;

/**
 * Saves wait this long after a write so that a burst of batches costs one save, yet a killed sandbox
 * loses at most this much. Under constant writes a save still happens every interval.
 */
export const SAVE_DEBOUNCE_MS = 200;

const storedContactSchema = z.object({
  id: z.string().min(1),
  mobile: z.object({ number: z.string().min(1), country: z.string().optional() }),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  email: z.string().optional(),
  tags: z.array(z.object({ tag: z.string() })),
  attributes: z.record(z.string(), z.string()),
  created: z.object({ at: z.string() }),
  updated: z.object({ at: z.string() }),
});

const dataFileSchema = z.object({
  version: z.literal(DATA_FILE_VERSION),
  accounts: z.record(z.string(), z.array(storedContactSchema)),
});

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Reads the data file. A missing file is an empty sandbox; an unreadable or malformed one throws
 * (naming the file and the first problem), since starting empty would silently lose its contacts.
 */
export async function loadDataFile(file: string): Promise<Record<string, StoredContact[]>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return {};
    throw new Error(`sandbox data file ${file}: cannot read it`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`sandbox data file ${file}: not valid JSON`, { cause: error });
  }
  const parsed = dataFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    throw new Error(`sandbox data file ${file}: unexpected content${where}: ${issue?.message ?? 'invalid'}`);
  }
  for (const [accountId, contacts] of Object.entries(parsed.data.accounts)) {
    const ids = new Set<string>();
    const mobiles = new Set<string>();
    for (const contact of contacts) {
      if (ids.has(contact.id) || mobiles.has(contact.mobile.number)) {
        throw new Error(
          `sandbox data file ${file}: account ${accountId} holds ${contact.mobile.number} twice`,
        );
      }
      ids.add(contact.id);
      mobiles.add(contact.mobile.number);
    }
  }
  return parsed.data.accounts;
}

/** Writes the data file atomically: temporary file in the same folder, fsync, rename over the target. */
export async function saveDataFile(file: string, accounts: Record<string, StoredContact[]>): Promise<void> {
  const folder = dirname(file);
  await mkdir(folder, { recursive: true });
  const temporary = join(folder, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const text = `${JSON.stringify({ version: DATA_FILE_VERSION, accounts }, null, 2)}\n`;
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new Error(`sandbox data file ${file}: cannot save it`, { cause: error });
  }
}

/**
 * Saves the data file shortly after changes, one save at a time, each with the state of the moment
 * it starts.
 */
export class DataFileWriter {
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly snapshot: () => Record<string, StoredContact[]>,
  ) {}

  /** Schedules a save within {@link SAVE_DEBOUNCE_MS}; a save already scheduled covers this change. */
  schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // A failed background save is repeated by the next one (each writes the whole state); the
      // final save in flush() reports its own failure.
      this.#enqueue().catch(() => undefined);
    }, SAVE_DEBOUNCE_MS);
    this.#timer.unref();
  }

  /** Cancels any scheduled save and saves now; rejects if this save fails. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    await this.#enqueue();
  }

  #enqueue(): Promise<void> {
    const save = this.#chain.then(() => saveDataFile(this.file, this.snapshot()));
    this.#chain = save.catch(() => undefined);
    return save;
  }
}
