/**
 * Rows the state recognises by their fingerprint (issue 16) as the pipeline carries them: a
 * contact Sakari has ({@link Recalled}) or a row rejected as before ({@link Rejected}); and what a
 * remembered rejection keeps so that a CSV record is reported from the state without being parsed.
 */
import type { RememberedRejection } from '../state/index.js';
import type { AllFields, KnownRecord, Recalled, Rejected, RowCode, SourceRow } from '../types.js';

/**
 * Longest JSON of a rejected row's values kept with its rejection (`RememberedRejection.sourceValues`).
 * A CSV record of a contact export is a few hundred characters; one longer than this is parsed
 * again by every run rather than stored in the state (and in its range-scan index) as it is.
 */
export const REMEMBERED_VALUES_MAX_CHARS = 4_096;

/**
 * The values of a rejected row to remember with its rejection, as JSON: when every value is text
 * (a CSV record's always are) and the JSON is at most {@link REMEMBERED_VALUES_MAX_CHARS}; else
 * undefined (values of other types would not come back the same).
 */
export function rememberedValues(raw: Record<string, unknown>): string | undefined {
  if (!allText(raw)) return undefined;
  const json = JSON.stringify(raw);
  return json.length <= REMEMBERED_VALUES_MAX_CHARS ? json : undefined;
}

/**
 * The values kept by {@link rememberedValues}, or undefined when the text is not such values (a
 * state edited by hand): the record is parsed instead.
 */
function valuesFrom(json: string): Record<string, unknown> | undefined {
  let values: unknown;
  try {
    values = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return undefined;
  const record = values as Record<string, unknown>;
  return allText(record) ? record : undefined;
}

/** Whether every value of a row is text: the only values kept (they come back as they were). */
function allText(values: Record<string, unknown>): boolean {
  for (const key in values) if (typeof values[key] !== 'string') return false;
  return true;
}

/**
 * Whether a CSV record known as this is settled without being parsed: a contact Sakari has
 * (acknowledged from a row with its fingerprint, not refused as opted out), or a rejection that
 * kept the row's values and mobile for its report lines. Blocked numbers, and rejections without
 * values, are parsed: their report lines need the row's values.
 */
export function settlesUnparsed(known: KnownRecord): boolean {
  const { contact, rejection } = known;
  if (contact !== undefined) return contact.status !== 'blocked' && contact.mobileInput !== undefined;
  return (
    rejection !== undefined && rejection.mobileInput !== undefined && rejection.sourceValues !== undefined
  );
}

/**
 * A record the reader recognised and left unparsed ({@link settlesUnparsed}): the contact it was
 * recognised as, or its rejection again with the values the state kept (the record is parsed
 * only if those cannot be read).
 */
export function recognisedRow(row: SourceRow): Recalled | Rejected {
  const { contact, rejection } = row.known ?? {};
  const { unparsed } = row;
  if (contact?.mobileInput !== undefined) {
    const recalled: AllFields<Recalled> = {
      kind: 'recalled',
      ref: row.ref,
      raw: row.raw,
      mobileInput: contact.mobileInput,
      recalled: contact,
      rowHash: row.fingerprint,
      unparsed,
    };
    return recalled;
  }
  if (rejection?.mobileInput !== undefined && rejection.sourceValues !== undefined && unparsed) {
    const raw = valuesFrom(rejection.sourceValues) ?? unparsed();
    return rejectedAgain({ ref: row.ref, raw, mobileInput: rejection.mobileInput }, rejection);
  }
  throw new Error(`${row.ref.file}:${row.ref.line} was left unparsed without the contact or rejection it is`);
}

/**
 * A row rejected as before, for the same reason (and with its number, when that was fine).
 * `rowHash`: the row's fingerprint when the rejection is to be remembered again (it lacks the
 * values a later run needs to leave the record unparsed); absent, it is not recorded again.
 */
export function rejectedAgain(
  row: Pick<Rejected, 'ref' | 'raw' | 'mobileInput'>,
  rejection: RememberedRejection,
  rowHash?: string,
): Rejected {
  const rejected: AllFields<Rejected> = {
    kind: 'rejected',
    ref: row.ref,
    raw: row.raw,
    mobileInput: row.mobileInput,
    mobileE164: rejection.e164,
    status: rejection.status,
    // Written by this version of sakari-sync (its version is in the fingerprint's key).
    error: { code: rejection.code as RowCode, message: rejection.message },
    rowHash,
    // Where Sakari holds a blocked number is asked anew each run (check-state.ts).
    heldBy: undefined,
  };
  return rejected;
}
