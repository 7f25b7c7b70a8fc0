/**
 * The ground truth a chaos scenario is judged against: the same source imported once into a
 * fault-free sandbox, in-process. Whatever faults a scenario injects, Sakari must end up holding
 * exactly these contacts (minus the ones it refuses on purpose).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateContactsCsv } from '../bench/generate.js';
import { importContacts } from '../../src/pipeline/run.js';
import { startSandbox, type StoredContact } from '../../src/sandbox/index.js';

/** The account every chaos run imports into. */
export const CHAOS_ACCOUNT = 'acc-chaos';
/** The generated sources mix US, GB, DE, FR, IN and AU numbers; national US ones need a default. */
export const CHAOS_DEFAULT_COUNTRY = 'US';

/** A contact's content as compared between runs: everything but ids and timestamps. */
export interface ContactContent {
  mobile: string;
  country: string;
  firstName: string;
  lastName: string;
  email: string;
  tags: string[];
  attributes: Record<string, string>;
}

/** What a fault-free import of one source stores and reports. */
export interface Reference {
  /** The generated source file. */
  source: string;
  /** Records in the source (the report's `counts.rows`). */
  rows: number;
  invalid: number;
  duplicate: number;
  /** E.164 → content of every contact a fault-free run stores (the valid, unique rows). */
  contacts: ReadonlyMap<string, ContactContent>;
}

/** The comparable content of a stored contact. */
export function contentOf(contact: StoredContact): ContactContent {
  return {
    mobile: contact.mobile.number,
    country: contact.mobile.country ?? '',
    firstName: contact.firstName ?? '',
    lastName: contact.lastName ?? '',
    email: contact.email ?? '',
    tags: contact.tags.map((t) => t.tag).sort(),
    attributes: Object.fromEntries(Object.entries(contact.attributes).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** Whether two contents are equal; a short description of the first difference otherwise. */
export function differenceOf(expected: ContactContent, actual: ContactContent): string | undefined {
  for (const key of Object.keys(expected) as (keyof ContactContent)[]) {
    const a = JSON.stringify(expected[key]);
    const b = JSON.stringify(actual[key]);
    if (a !== b) return `${expected.mobile}: ${key} is ${b}, expected ${a}`;
  }
  return undefined;
}

/**
 * Generates and caches sources and their references, keyed by (rows, seed), in one temporary
 * folder that {@link ReferenceCache.dispose} removes.
 */
export class ReferenceCache {
  readonly #cache = new Map<string, Promise<Reference>>();
  #dir: Promise<string> | undefined;

  /** The reference for a generated source of `rows` contacts with generator seed `seed`. */
  get(rows: number, seed: number): Promise<Reference> {
    const key = `${rows}:${seed}`;
    let reference = this.#cache.get(key);
    if (reference === undefined) {
      reference = this.#build(rows, seed);
      this.#cache.set(key, reference);
    }
    return reference;
  }

  /** Removes the generated files. */
  async dispose(): Promise<void> {
    const dir = this.#dir;
    this.#dir = undefined;
    this.#cache.clear();
    if (dir !== undefined) await rm(await dir, { recursive: true, force: true });
  }

  async #build(rows: number, seed: number): Promise<Reference> {
    this.#dir ??= mkdtemp(path.join(os.tmpdir(), 'sakari-chaos-ref-'));
    const dir = await this.#dir;
    const source = path.join(dir, `contacts-${rows}-${seed}.csv`);
    await generateContactsCsv(source, rows, seed);
    const sandbox = await startSandbox({});
    try {
      const result = await importContacts({
        sources: [source],
        defaultCountry: CHAOS_DEFAULT_COUNTRY,
        apiUrl: sandbox.url,
        account: CHAOS_ACCOUNT,
        clientId: 'sandbox',
        clientSecret: 'sandbox',
        state: false,
        workers: 0,
        rate: 1_000,
        batchSize: 100,
        reportDir: path.join(dir, `reports-${rows}-${seed}`),
      });
      if (result.exitCode !== 0) throw new Error(`the fault-free reference run exited ${result.exitCode}`);
      const contacts = new Map(sandbox.contacts(CHAOS_ACCOUNT).map((c) => [c.mobile.number, contentOf(c)]));
      if (contacts.size !== result.counts.created) {
        throw new Error(
          `the fault-free reference run stored ${contacts.size} contacts but reported ${result.counts.created} created`,
        );
      }
      return {
        source,
        rows: result.counts.rows,
        invalid: result.counts.invalid,
        duplicate: result.counts.duplicate,
        contacts,
      };
    } finally {
      await sandbox.close();
    }
  }
}
