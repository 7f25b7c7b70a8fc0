/**
 * How the sandbox words its answers. Sakari's spec makes no answer field required and its live
 * documentation differs from the spec, so the sandbox can answer in each shape a client must cope
 * with (CONTRACT §2): the write or the listing is the same, only the answer's wording changes.
 */

/**
 * Shapes of the answer to a CSV batch upsert:
 * - `full`: `{submitted, inserted, updated, success, contacts[], errors[]}`, every row named;
 * - `counts-only`: `{submitted, inserted, updated, success}`, no arrays;
 * - `errors-without-mobile`: the counts and `errors[]` whose entries do not name their mobile,
 *   no `contacts[]`;
 * - `bare`: `{submitted}` only;
 * - `refusals-in-contacts`: the counts, and every row in `contacts[]`, a refused one with its
 *   `error` and `valid: false` (the spec's `Contact` carries both); `errors[]` empty;
 * - `refusals-unmarked`: the counts, and every row in `contacts[]`, a refused one echoed as sent,
 *   without an error or an id: only the counts tell that fewer rows were stored;
 * - `counts-as-text`: `counts-only` with the counts as strings (`"4"`);
 * - `contacts-array`: the spec's other answer to the upsert, a `ContactsResponse`: `data` is the
 *   array of the stored contacts and the refused ones with their `error`, no counts;
 * - `flat-errors`: `full`, with each `errors[]` entry as `{mobile: "+1…", error: "words", code}`.
 */
export const UPLOAD_ANSWER_SHAPES = [
  'full',
  'counts-only',
  'errors-without-mobile',
  'bare',
  'refusals-in-contacts',
  'refusals-unmarked',
  'counts-as-text',
  'contacts-array',
  'flat-errors',
] as const;
export type UploadAnswerShape = (typeof UPLOAD_ANSWER_SHAPES)[number];

/**
 * Shapes of the `pagination` object of `GET .../contacts`:
 * - `totalCount`: `{offset, limit, totalCount}` (the spec);
 * - `hasNext`: `{offset, limit, hasNext}` (the live API's documentation);
 * - `none`: no `pagination` object: a client can only stop on an empty page (a short one proves
 *   nothing when the server caps pages, see `maxPageSize`);
 * - `totalCount-text` / `hasNext-text`: as `totalCount` / `hasNext`, the value as a string
 *   (`"250"`, `"true"`).
 */
export const PAGINATION_SHAPES = [
  'totalCount',
  'hasNext',
  'none',
  'totalCount-text',
  'hasNext-text',
] as const;
export type PaginationShape = (typeof PAGINATION_SHAPES)[number];

/** A refused row as the full answer lists it in `errors[]`. */
export interface RefusedEntry {
  mobile: { number: string; country?: string };
  error: { code: string; description: string };
}

/** The full answer's `data` to a batch upsert. */
export interface UploadAnswerData {
  submitted: number;
  inserted: number;
  updated: number;
  success: number;
  contacts: unknown[];
  errors: readonly RefusedEntry[];
}

/** The `data` of a batch upsert's answer, in `shape`: an object, or an array for `contacts-array`. */
export function shapeUploadAnswer(
  data: UploadAnswerData,
  shape: UploadAnswerShape,
): Record<string, unknown> | unknown[] {
  const { submitted, inserted, updated, success } = data;
  switch (shape) {
    case 'full':
      return { ...data };
    case 'counts-only':
      return { submitted, inserted, updated, success };
    case 'errors-without-mobile':
      return {
        submitted,
        inserted,
        updated,
        success,
        errors: data.errors.map(({ mobile: _mobile, ...rest }) => rest),
      };
    case 'bare':
      return { submitted };
    case 'refusals-in-contacts':
      return {
        ...data,
        contacts: [...data.contacts, ...data.errors.map((entry) => ({ ...entry, valid: false }))],
        errors: [],
      };
    case 'refusals-unmarked':
      return {
        ...data,
        contacts: [...data.contacts, ...data.errors.map(({ error: _error, ...rest }) => rest)],
        errors: [],
      };
    case 'counts-as-text':
      return {
        submitted: String(submitted),
        inserted: String(inserted),
        updated: String(updated),
        success: String(success),
      };
    case 'contacts-array':
      return [...data.contacts, ...data.errors];
    case 'flat-errors':
      return {
        ...data,
        errors: data.errors.map((entry) => ({
          mobile: entry.mobile.number,
          error: entry.error.description,
          code: entry.error.code,
        })),
      };
  }
}

/**
 * The answer body of a page of contacts, with `pagination` in `shape`. `hasNext` says whether
 * contacts remain after this page.
 */
export function shapeContactsPage(
  page: { contacts: unknown[]; offset: number; limit: number; totalCount: number },
  shape: PaginationShape,
): Record<string, unknown> {
  const { contacts, offset, limit, totalCount } = page;
  const body: Record<string, unknown> = { success: true, data: contacts };
  const hasNext = offset + contacts.length < totalCount;
  switch (shape) {
    case 'totalCount':
      body['pagination'] = { offset, limit, totalCount };
      break;
    case 'hasNext':
      body['pagination'] = { offset, limit, hasNext };
      break;
    case 'totalCount-text':
      body['pagination'] = { offset, limit, totalCount: String(totalCount) };
      break;
    case 'hasNext-text':
      body['pagination'] = { offset, limit, hasNext: String(hasNext) };
      break;
    case 'none':
      break;
  }
  return body;
}
