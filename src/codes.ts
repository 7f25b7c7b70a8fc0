/**
 * Every code a row can carry in `rows.csv`, `rejected.csv` and `report.html`, with what it means:
 * the codes the pipeline assigns ({@link ROW_CODES}, each with the status it comes with), the codes
 * the client adds for Sakari's answers ({@link BLOCKED_API_CODE}, {@link NO_RESULT_CODE},
 * {@link UNSPECIFIED_API_CODE}, {@link httpCode}) and {@link describeCode} for all of them.
 *
 * A leaf module: it imports no stage, so the pipeline, the client and the report all read it.
 * Codes are public API: scripts match on them, so a test snapshots the list.
 */
import type { RowStatus } from './types.js';

/** What a row code means: the status of the rows that carry it and one human sentence. */
export interface RowCodeInfo {
  readonly status: RowStatus;
  /** One sentence, without a trailing period, for reports and `--help`. */
  readonly description: string;
}

/** The codes the pipeline assigns, in their documented order (CONTRACT §3, §4). */
const ROW_CODE_INFO = {
  PHONE_MISSING: { status: 'invalid', description: 'No mobile number in the row' },
  PHONE_NOT_A_NUMBER: {
    status: 'invalid',
    description: 'The mobile value is not a phone number (letters or no digits)',
  },
  PHONE_INVALID_COUNTRY: {
    status: 'invalid',
    description:
      'The country could not be determined: unknown country value, or a national number with no country column and no --default-country',
  },
  PHONE_TOO_SHORT: { status: 'invalid', description: 'The mobile number has too few digits for its country' },
  PHONE_TOO_LONG: { status: 'invalid', description: 'The mobile number has too many digits for its country' },
  PHONE_INVALID: {
    status: 'invalid',
    description:
      'The mobile number has a plausible shape but is not a valid number for its country (or carries an extension)',
  },
  PHONE_EXCEL_MANGLED: {
    status: 'invalid',
    description:
      'The mobile number was turned into a spreadsheet number (scientific notation such as 4.41E+11): digits are lost; format the column as text and export again',
  },
  PHONE_NOT_MOBILE: {
    status: 'invalid',
    description: 'The number is a fixed line and --require-mobile is set',
  },
  EMAIL_INVALID: { status: 'invalid', description: 'The email address is malformed' },
  DUPLICATE: {
    status: 'duplicate',
    description: 'The same mobile number (E.164) appeared earlier in this run; the first occurrence is kept',
  },
  RECORD_MALFORMED: {
    status: 'invalid',
    description: 'The source record could not be read (unclosed quote, wrong field count, bad JSON)',
  },
  RUN_ABORTED: {
    status: 'failed',
    description: 'The run stopped before this row was delivered; running the same command again resumes it',
  },
  SOURCE_OPTED_OUT: {
    status: 'blocked',
    description:
      'The source says this person opted out of SMS (unsubscribed, blacklisted or opted out): never sent',
  },
  NO_SMS_CONSENT: {
    status: 'blocked',
    description: 'No explicit SMS consent in the source and --require-sms-consent is set: not sent',
  },
} as const satisfies Record<string, RowCodeInfo>;

/** A code the pipeline itself assigns. Rows failed by the API carry the API's code instead (e.g. `CONT-001`). */
export type RowCode = keyof typeof ROW_CODE_INFO;

/** The row-level outcome codes, in their documented order. Public API: reports and scripts match on them. */
export const ROW_CODES: readonly RowCode[] = Object.freeze(Object.keys(ROW_CODE_INFO) as RowCode[]);

/** Each pipeline code with its status and description. */
export const ROW_CODE_TABLE: Readonly<Record<RowCode, RowCodeInfo>> = Object.freeze(ROW_CODE_INFO);

/** Sakari's code for "Contact has requested no further communication": the row is blocked (CONTRACT §2). */
export const BLOCKED_API_CODE = 'CONT-010';
/** A submitted contact that the upload answer mentions in neither `contacts[]` nor `errors[]`. */
export const NO_RESULT_CODE = 'NO_RESULT';
/** A row in `errors[]` whose error carries no code. */
export const UNSPECIFIED_API_CODE = 'API_ERROR';

/** The code of a failure the API answered with an HTTP status and no code of its own: `HTTP_<status>`. */
export function httpCode(status: number): string {
  return `HTTP_${status}`;
}

const HTTP_CODE = /^HTTP_(\d{3})$/;
/** The shape of Sakari's own error codes (`CONT-001`, `AUTH-002`). */
const API_CODE = /^[A-Z]{2,8}-\d{3}$/;

/** Whether `text` has the shape of a Sakari error code ({@link API_CODE}). */
export function isApiCode(text: string): boolean {
  return API_CODE.test(text);
}

/** The codes of Sakari's answers that reports explain. */
const API_CODE_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  'CONT-001': 'Sakari: invalid mobile number.',
  [BLOCKED_API_CODE]: 'Sakari: the contact requested no further communication (opted out).',
});

function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/** The description of a pipeline code, or `undefined` for any other code (`CONT-001`, `HTTP_400`). */
export function describeRowCode(code: string): string | undefined {
  return own(ROW_CODE_TABLE, code)?.description;
}

/** A one-line description of a pipeline or API code ('' when unknown). */
export function describeCode(code: string): string {
  const known = describeRowCode(code) ?? own(API_CODE_DESCRIPTIONS, code);
  if (known !== undefined) return known;
  const http = HTTP_CODE.exec(code);
  if (http) return `Sakari answered HTTP ${http[1]} for the batch; not retried.`;
  if (isApiCode(code)) return 'Error code returned by the Sakari API.';
  return '';
}
