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
 * - `bare`: `{submitted}` only.
 */
export const UPLOAD_ANSWER_SHAPES = ['full', 'counts-only', 'errors-without-mobile', 'bare'] as const;
export type UploadAnswerShape = (typeof UPLOAD_ANSWER_SHAPES)[number];

/**
 * Shapes of the `pagination` object of `GET .../contacts`:
 * - `totalCount`: `{offset, limit, totalCount}` (the spec);
 * - `hasNext`: `{offset, limit, hasNext}` (the live API's documentation);
 * - `none`: no `pagination` object: a client can only stop on a short page.
 */
export const PAGINATION_SHAPES = ['totalCount', 'hasNext', 'none'] as const;
export type PaginationShape = (typeof PAGINATION_SHAPES)[number];

/** The full answer's `data` to a batch upsert. */
export interface UploadAnswerData {
  submitted: number;
  inserted: number;
  updated: number;
  success: number;
  contacts: unknown[];
  errors: ReadonlyArray<{ mobile?: unknown }>;
}

/** The `data` of a batch upsert's answer, in `shape`. */
export function shapeUploadAnswer(data: UploadAnswerData, shape: UploadAnswerShape): Record<string, unknown> {
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
  if (shape === 'totalCount') body['pagination'] = { offset, limit, totalCount };
  if (shape === 'hasNext') {
    body['pagination'] = { offset, limit, hasNext: offset + contacts.length < totalCount };
  }
  return body;
}
