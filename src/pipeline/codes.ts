/**
 * The row-level outcome codes and what each one means, in words a report reader understands.
 *
 * The codes themselves live in `src/types.ts` ({@link ROW_CODES}); this module adds the one-line
 * descriptions that reports print next to them (the top-error table of `report.html`, `--help`).
 * Codes are public API: scripts match on them, so a test snapshots both lists.
 */
import { ROW_CODES, type RowCode } from '../types.js';

export { ROW_CODES, type RowCode };

/** One human sentence per {@link RowCode}, without a trailing period, for reports. */
export const ROW_CODE_DESCRIPTIONS: Readonly<Record<RowCode, string>> = Object.freeze({
  PHONE_MISSING: 'No mobile number in the row',
  PHONE_NOT_A_NUMBER: 'The mobile value is not a phone number (letters or no digits)',
  PHONE_INVALID_COUNTRY:
    'The country could not be determined: unknown country value, or a national number with no country column and no --default-country',
  PHONE_TOO_SHORT: 'The mobile number has too few digits for its country',
  PHONE_TOO_LONG: 'The mobile number has too many digits for its country',
  PHONE_INVALID:
    'The mobile number has a plausible shape but is not a valid number for its country (or carries an extension)',
  PHONE_EXCEL_MANGLED:
    'The mobile number was turned into a spreadsheet number (scientific notation such as 4.41E+11): digits are lost; format the column as text and export again',
  PHONE_NOT_MOBILE: 'The number is a fixed line and --require-mobile is set',
  EMAIL_INVALID: 'The email address is malformed',
  DUPLICATE: 'The same mobile number (E.164) appeared earlier in this run; the first occurrence is kept',
  RECORD_MALFORMED: 'The source record could not be read (unclosed quote, wrong field count, bad JSON)',
  BLOCKED: 'Sakari refused the contact because it asked for no further communication (opted out)',
  RUN_ABORTED: 'The run stopped before this row was delivered; running the same command again resumes it',
  SOURCE_OPTED_OUT:
    'The source says this person opted out of SMS (unsubscribed, blacklisted or opted out): never sent',
  NO_SMS_CONSENT: 'No explicit SMS consent in the source and --require-sms-consent is set: not sent',
});

/**
 * The description of a code, or `undefined` for codes the pipeline did not assign
 * (codes from the API such as `CONT-001` or `HTTP_400`).
 */
export function describeRowCode(code: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(ROW_CODE_DESCRIPTIONS, code)
    ? ROW_CODE_DESCRIPTIONS[code as RowCode]
    : undefined;
}
