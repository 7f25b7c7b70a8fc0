/**
 * The comparison at the heart of `reconcile`: does Sakari hold what the normalised source says?
 *
 * Pure functions, no I/O: {@link compareContact} takes one source payload and the remote contact
 * with the same E.164 and names the fields that differ.
 */
import type { ContactPayload, MergeStrategy } from '../types.js';

/** The fields a `different` row can name, in the order they are listed. Public: reconcile.csv and summary.json use them. */
export const COMPARED_FIELDS = ['firstName', 'lastName', 'email', 'country', 'tags', 'attributes'] as const;

/** One of {@link COMPARED_FIELDS}. */
export type ComparedField = (typeof COMPARED_FIELDS)[number];

/** A remote contact as the comparison needs it (what the temporary index stores). */
export interface RemoteFields {
  id: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  country?: string;
  tags: string[];
  attributes: Record<string, string>;
}

/**
 * What differs, field by field. `source` and `remote` hold the values of the differing fields only:
 * for `tags` the source tags that break the rule (missing remotely, or present under `remove`) and
 * every remote tag; for `attributes` only the attributes that differ (`null`: absent remotely).
 */
export interface ContactDifference {
  fields: ComparedField[];
  source: Partial<Record<ComparedField, unknown>>;
  remote: Partial<Record<ComparedField, unknown>>;
}

/**
 * Compares what the source says with what Sakari holds, the way an import with the same merge
 * strategy would have made it true. Empty source values are not compared (an import never
 * clears a field), so a remote contact that holds more than the source is still a match.
 *
 * - `firstName`, `lastName`: equal after trimming; `email`: equal ignoring case;
 *   `country` (the number's ISO country): equal ignoring case, when the source has one.
 * - `append` (the default): every source tag is present remotely, and every source attribute has
 *   the same value remotely (compared after trimming).
 * - `core`: Sakari's `core` upsert leaves tags and attributes alone, so they are not compared.
 * - `remove`: the import removes the source tags, so none of them may be present remotely;
 *   attributes are compared as with `append`.
 *
 * @returns `undefined` when the remote contact satisfies the source, else the differences.
 * @example
 * compareContact({ mobile: '+447700900123', firstName: 'Ann', tags: ['vip'], attributes: {} },
 *   { id: 'c1', firstName: 'Anne', tags: [], attributes: {} }, 'append')
 * // { fields: ['firstName', 'tags'], source: { firstName: 'Ann', tags: ['vip'] }, remote: { firstName: 'Anne', tags: [] } }
 */
export function compareContact(
  source: ContactPayload,
  remote: RemoteFields,
  mergeStrategy: MergeStrategy,
): ContactDifference | undefined {
  let difference: ContactDifference | undefined;
  const differ = (field: ComparedField, sourceValue: unknown, remoteValue: unknown): void => {
    difference ??= { fields: [], source: {}, remote: {} };
    difference.fields.push(field);
    difference.source[field] = sourceValue;
    difference.remote[field] = remoteValue ?? null;
  };

  const firstName = nonEmpty(source.firstName);
  if (firstName !== undefined && firstName !== remote.firstName?.trim()) {
    differ('firstName', firstName, remote.firstName);
  }
  const lastName = nonEmpty(source.lastName);
  if (lastName !== undefined && lastName !== remote.lastName?.trim()) {
    differ('lastName', lastName, remote.lastName);
  }
  const email = nonEmpty(source.email);
  if (email !== undefined && email.toLowerCase() !== remote.email?.trim().toLowerCase()) {
    differ('email', email, remote.email);
  }
  const country = nonEmpty(source.country);
  if (country !== undefined && country.toUpperCase() !== remote.country?.trim().toUpperCase()) {
    differ('country', country, remote.country);
  }
  if (mergeStrategy === 'core') return difference;

  if (source.tags.length > 0) {
    const remoteTags = new Set(remote.tags.map((tag) => tag.trim()));
    const wrong = source.tags
      .map((tag) => tag.trim())
      .filter(
        (tag) => tag !== '' && (mergeStrategy === 'remove' ? remoteTags.has(tag) : !remoteTags.has(tag)),
      );
    if (wrong.length > 0) differ('tags', wrong, remote.tags);
  }

  let sourceAttributes: Record<string, string> | undefined;
  let remoteAttributes: Record<string, string | null> | undefined;
  for (const name of Object.keys(source.attributes)) {
    const expected = (source.attributes[name] as string).trim();
    if (expected === '') continue;
    const actual = Object.hasOwn(remote.attributes, name) ? remote.attributes[name] : undefined;
    if (actual !== undefined && actual.trim() === expected) continue;
    sourceAttributes ??= {};
    remoteAttributes ??= {};
    defineEntry(sourceAttributes, name, expected);
    defineEntry(remoteAttributes, name, actual ?? null);
  }
  if (sourceAttributes !== undefined) differ('attributes', sourceAttributes, remoteAttributes);
  return difference;
}

function nonEmpty(value: string | undefined): string | undefined {
  const text = value?.trim();
  return text === undefined || text === '' ? undefined : text;
}

/** Sets a key even when it is `__proto__` (an attribute may be named anything). */
function defineEntry<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
