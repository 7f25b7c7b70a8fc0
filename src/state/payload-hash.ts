import { hash } from 'node:crypto';
import type { ContactPayload } from '../types.js';

/**
 * Version tag of the canonical form. Changing the canonical form (or what it includes) must bump
 * it, so that every stored hash stops matching and the next run re-sends instead of wrongly
 * reporting rows `unchanged`.
 */
const CANONICAL_VERSION = 'v1';

/**
 * Length of the stored hash in base64url characters: 22 × 6 = 132 bits of SHA-256. A million
 * contacts per account gives a collision probability around 2^-93: practically impossible, at
 * half the size of the hex digest.
 */
export const HASH_CHARS = 22;

// Structural characters of the canonical form. A value containing any of them is escaped, so the
// form stays injective (two different payloads never produce the same string).
export const FIELD_END = '\u0000';
const ABSENT = '\u0001';
export const ITEM_END = '\u0002';
export const KEY_VALUE = '\u0003';
const ESCAPED = '\u0004';
// eslint-disable-next-line no-control-regex -- these control characters are exactly what it looks for
const STRUCTURAL = /[\u0000-\u0004]/;

/** A value as it appears in the canonical form: raw, or `ESCAPED` + JSON when it holds a structural character. */
export function token(value: string): string {
  // JSON.stringify escapes U+0000..U+001F, so an escaped token holds no raw structural character
  // after its marker.
  return STRUCTURAL.test(value) ? ESCAPED + JSON.stringify(value) : value;
}

export function optional(value: string | undefined): string {
  return value === undefined ? ABSENT : token(value);
}

/**
 * The canonical form of a payload that {@link payloadHash} digests. Exposed for tests and for
 * debugging a surprising `unchanged`.
 *
 * - Fields in a fixed order; an absent field differs from an empty string.
 * - Tags in the order given (Sakari keeps them in that order), duplicates removed (first kept).
 * - Attributes sorted by key (their order carries no meaning).
 */
export function canonicalPayload(payload: ContactPayload): string {
  let form =
    CANONICAL_VERSION +
    FIELD_END +
    token(payload.mobile) +
    FIELD_END +
    optional(payload.country) +
    FIELD_END +
    optional(payload.firstName) +
    FIELD_END +
    optional(payload.lastName) +
    FIELD_END +
    optional(payload.email) +
    FIELD_END;

  const tags = payload.tags;
  if (tags.length === 1) {
    form += token(tags[0] as string) + ITEM_END;
  } else if (tags.length > 1) {
    const seen = new Set<string>();
    for (const tag of tags) {
      if (seen.has(tag)) continue;
      seen.add(tag);
      form += token(tag) + ITEM_END;
    }
  }
  form += FIELD_END;

  const attributes = payload.attributes;
  const keys = Object.keys(attributes);
  if (keys.length > 1) keys.sort();
  for (const key of keys) {
    form += token(key) + KEY_VALUE + token(attributes[key] as string) + ITEM_END;
  }
  return form;
}

/**
 * A stable fingerprint of what we send to Sakari for one contact: SHA-256 of
 * {@link canonicalPayload}, first 132 bits, base64url (22 characters).
 *
 * Equal payloads give equal hashes whatever the order of their attribute keys and whatever
 * duplicate tags they carry; any change to a value, to the tag order or to whether a field is
 * present changes the hash. Called once per row, so it avoids a generic canonical-JSON pass
 * (see the measurements in the state store's report).
 *
 * @example
 * payloadHash({ mobile: '+447700900123', tags: ['vip'], attributes: { plan: 'gold' } });
 * // → 'Vq0…' (22 characters)
 */
export function payloadHash(payload: ContactPayload): string {
  // crypto.hash (one shot, Node ≥ 20.12) is ~3× faster than createHash().update().digest() for
  // inputs this small.
  return digest(canonicalPayload(payload));
}

/** A canonical form's fingerprint: SHA-256, first {@link HASH_CHARS} base64url characters. */
export function digest(form: string): string {
  return hash('sha256', form, 'base64url').slice(0, HASH_CHARS);
}

/**
 * The fingerprint of a CSV record's text under `prefix`, the digest of what else the row depends
 * on (`recordFingerprinter` in `pipeline/recall.ts` makes it): computed by the main thread, or by
 * the state thread that looks the records up (see `StateBackend.recallRecords`), the same way.
 */
export function recordFingerprint(prefix: string, record: string): string {
  return digest(prefix + record);
}
