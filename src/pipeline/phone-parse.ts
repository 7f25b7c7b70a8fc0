/**
 * The pure part of phone normalisation: one raw number (plus the row's country) → E.164 or a
 * `PHONE_*` code. Used on the main thread and in the phone workers; the `normalisePhones` stage
 * lives in `normalise-phone.ts`.
 */
import { ParseError, getCountryCallingCode, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import type { RowCode, RowError } from '../types.js';
import { contactCountry, resolveCountry, type ResolvedCountry } from './phone-country.js';
import { isPlaceholder } from './placeholder.js';
import { lengthProblem, numberType, parseNumber, type NumberCheck } from './phone-type.js';

/** Options of {@link normalisePhone}. */
export interface PhoneOptions {
  /**
   * Country for rows without one (`--default-country`): an ISO 3166-1 alpha-2 code, or anything
   * {@link resolveCountry} accepts. An unrecognised value makes national numbers `PHONE_INVALID_COUNTRY`.
   */
  defaultCountry?: string;
  /** `--require-mobile`: reject numbers known to be fixed lines with `PHONE_NOT_MOBILE`. */
  requireMobile?: boolean;
}

/**
 * The outcome of normalising one number. `country` is the number's own ISO country, when it has
 * one; `note` says how a number was read when it was not read as written (international form
 * without `+`, a leading 0 lost in a spreadsheet); `fixedLine`: libphonenumber knows it for a
 * landline (without `requireMobile`, which refuses it), so a row's mobile among several numbers
 * can be told from it (`normalise-phone.ts`).
 */
export type PhoneResult =
  | { ok: true; e164: string; country?: string; note?: string; fixedLine?: true }
  | { ok: false; error: RowError };

/** Per-number facts besides the text: the cell was a number in a workbook (its leading 0 is lost). */
export interface PhoneInputFlags {
  numeric?: boolean;
}

/** Longest input echoed in a message; a pasted paragraph should not flood the report. */
const MAX_ECHOED_INPUT = 40;

/** `4.41E+11`, `4,47700900123E+11`, `4.4e11`: a spreadsheet turned the number into a float. */
const SCIENTIFIC_NOTATION = /^[+-]?\d+(?:[.,]\d*)?e[+-]?\d+$/i;
/** `447700900123.0`: a float's text form; the digits are intact, the `.0` is dropped. */
const FLOAT_ARTIFACT = /^(\+?\d+)\.0+$/;
/** `="07700 900123"`: the spreadsheet formula trick that keeps leading zeros. */
const EXCEL_TEXT_FORMULA = /^="(.*)"$/s;
const TEL_URI = /^tel:/i;
const LETTER = /\p{L}/u;

/**
 * Normalises one mobile number to E.164 (pure; libphonenumber-js with full metadata).
 *
 * The input is cleaned first: surrounding space, a leading `'` (spreadsheet text marker, or our
 * own report's spreadsheet-safety prefix), a `tel:` prefix, Excel's `="…"` wrapper and a float's
 * trailing `.0` are removed; `00` is read as the international `+` when the number cannot be read
 * with the country's own international prefix.
 *
 * The country is the row's (`rowCountry`, any value {@link resolveCountry} accepts), else
 * `options.defaultCountry`; a `+` number carries its own. The `country` of a success is the
 * number's.
 *
 * Failures, reusing libphonenumber-js's reasons: `PHONE_MISSING`, `PHONE_EXCEL_MANGLED`
 * (scientific notation: digits are lost), `PHONE_NOT_A_NUMBER` (no digits, or letters such as
 * `1-800-FLOWERS`), `PHONE_INVALID_COUNTRY` (unrecognised row or default country, unknown calling
 * code, or a national number with no country), `PHONE_TOO_SHORT`, `PHONE_TOO_LONG`,
 * `PHONE_INVALID` (parses but is not a valid number; also any number with an extension, since an
 * SMS cannot reach an extension and several people behind one switchboard would collapse into one
 * contact) and, with `requireMobile`, `PHONE_NOT_MOBILE` for numbers of type `FIXED_LINE`
 * (`FIXED_LINE_OR_MOBILE` passes).
 *
 * @example normalisePhone('07400 123456', 'GB', {}) // { ok: true, e164: '+447400123456', country: 'GB' }
 */
export function normalisePhone(
  input: string,
  rowCountry: string | undefined,
  options: PhoneOptions,
  flags: PhoneInputFlags = {},
): PhoneResult {
  let text = input.trim();
  if (text.charCodeAt(0) === 39 /* ' */) text = text.slice(1).trim();
  if (text.charCodeAt(0) === 61 /* = */) {
    const formula = EXCEL_TEXT_FORMULA.exec(text);
    if (formula) text = (formula[1] as string).trim();
  }
  if (text.length > 4 && TEL_URI.test(text)) text = text.slice(4).trim();
  if (text === '')
    return { ok: false, error: { code: 'PHONE_MISSING', field: 'mobile', message: 'mobile is empty' } };

  if (text.endsWith('.0') || text.endsWith('.00')) {
    const float = FLOAT_ARTIFACT.exec(text);
    if (float) text = float[1] as string;
  }
  if (SCIENTIFIC_NOTATION.test(text)) {
    return failure(
      'PHONE_EXCEL_MANGLED',
      input,
      'mangled by a spreadsheet (scientific notation, digits lost); format the column as text and export again',
    );
  }

  let country: ResolvedCountry | undefined;
  /** Said on success: the row's country was not recognised, and the number did not need it. */
  let unneededCountry: string | undefined;
  const rowText = rowCountry?.trim();
  // A country cell saying "none" (`N/A`, `-`) is an empty one.
  if (rowText && !isPlaceholder(rowText)) {
    country = resolveCountry(rowText);
    if (!country) {
      // A "+44…" or "0044…" number carries its own country: an unrecognised free-text country
      // ("Korea, Republic of", a typo) must not cost it; a national number cannot be read without one.
      if (!INTERNATIONAL_FORM.test(text)) {
        // Read as the rows without a country are, when it is a valid number so (a vCard address's
        // `HomeCountry`, a typo): said in the row's message.
        const read = readInDefaultCountryInstead(text, input, rowText, options);
        if (read) return read;
        return {
          ok: false,
          error: {
            code: 'PHONE_INVALID_COUNTRY',
            field: 'country',
            message: `country ${echo(rowText)}: not a recognised country (use an ISO code such as GB, or a country name)`,
          },
        };
      }
      unneededCountry = rowText;
    }
  } else if (options.defaultCountry) {
    country = resolveCountry(options.defaultCountry);
    if (!country) {
      return failure(
        'PHONE_INVALID_COUNTRY',
        input,
        `default country ${echo(options.defaultCountry)} is not a recognised country`,
      );
    }
  }

  // A workbook number cell lost its leading 0: read it in the row's country with the 0 restored.
  if (flags.numeric && country?.iso !== undefined && DIGITS_ONLY.test(text) && text.charCodeAt(0) !== 48) {
    const restored = leadingZeroRestored(text, country.iso, input, options);
    if (restored) return restored;
  }

  let attempt: ParseAttempt;
  if (text.charCodeAt(0) === 48 && text.charCodeAt(1) === 48) {
    // "00…": libphonenumber reads it with the country's own international prefix (00 in GB,
    // 0011 in AU, 011 in the US...); when that gives no valid number, or there is no country,
    // "00" is the ITU international prefix and stands for "+".
    const plus = (): ParseAttempt => parse(`+${text.slice(2)}`, country, input);
    if (country === undefined) attempt = plus();
    else {
      attempt = parse(text, country, input);
      if (!(attempt.ok && attempt.check.valid)) {
        const second = plus();
        if (second.ok || !attempt.ok) attempt = second;
      }
    }
  } else {
    attempt = parse(text, country, input);
  }
  if (!(attempt.ok && attempt.check.valid) && rowText && country !== undefined) {
    // "07911 123456" beside a Spanish postal address: not a number of the row's country, but
    // written as the user's own (--default-country) numbers are, as a phone's address book keeps them.
    const own = readInDefaultCountry(text, input, country, options);
    if (own) return own;
  }
  if (!(attempt.ok && attempt.check.valid)) {
    // "447911123456": not a number of the row's country, but a valid one read as international.
    const international = readAsInternational(text, input, country, options);
    if (international) return international;
  } else if (attempt.check.type === 'FIXED_LINE' && country !== undefined) {
    // "4915123456789" with DE: a landline of Germany's open plan (+49 4915…), or the mobile
    // +49 151… written without its +; an SMS tool takes the mobile.
    const mobile = mobileWithOwnCallingCode(text, input, country, options);
    if (mobile) return mobile;
  }
  if (!attempt.ok) return attempt;
  const result = checkNumber(attempt, text, input, country, options);
  if (!result.ok || unneededCountry === undefined) return result;
  const note = `country ${echo(unneededCountry)} is not a recognised country; the number's own calling code was used`;
  return { ...result, note: result.note === undefined ? note : `${result.note}; ${note}` };
}

/** A number written with its calling code: `+44…`, `0044…` (the ITU international prefix). */
const INTERNATIONAL_FORM = /^(?:\+|00)\s*[1-9]/;

/** Digits, and the spaces and punctuation people write between them: no `+`, no letters. */
const DIGITS_ONLY = /^\d[\d\s().-]*$/;
/** An international number has at least 8 digits (country code + subscriber number), at most 15. */
const INTERNATIONAL_DIGITS = /^[1-9]\d{7,14}$/;
/** Digits of a North American number without its country code. */
const NANP_DIGITS = 10;

function callingCodeOf(country: ResolvedCountry): string {
  return country.iso === undefined ? country.callingCode : getCountryCallingCode(country.iso);
}

function readAsInternational(
  text: string,
  input: string,
  country: ResolvedCountry | undefined,
  options: PhoneOptions,
): PhoneResult | undefined {
  const digits = internationalDigits(text);
  if (digits === undefined) return undefined;
  // Ten digits in the North American plan are a whole national number (area code, exchange,
  // line): one that is not valid has a typo, and read as international it would be someone
  // else's (278-234-5678 is a South African mobile).
  if (digits.length === NANP_DIGITS && country !== undefined && callingCodeOf(country) === '1')
    return undefined;
  const attempt = parse(`+${digits}`, undefined, input);
  if (!attempt.ok || !attempt.check.valid || attempt.number.ext) return undefined;
  const where =
    country === undefined ? 'there is no country for it' : `not a valid number${countryLabel(country)}`;
  return noted(attempt, text, input, country, options, (e164) => {
    return `mobile ${echo(input)} read as international (${e164}): ${where}`;
  });
}

/** The digits of `text` when it is digits and punctuation only, as many as an international number has. */
function internationalDigits(text: string): string | undefined {
  if (!DIGITS_ONLY.test(text)) return undefined;
  const digits = text.replace(/\D/g, '');
  return INTERNATIONAL_DIGITS.test(digits) ? digits : undefined;
}

/**
 * A number read otherwise than as written, through the checks every number goes through
 * ({@link checkNumber}); on success the row's message says how it was read (`note` of its E.164).
 */
function noted(
  attempt: ParsedNumber,
  text: string,
  input: string,
  country: ResolvedCountry | undefined,
  options: PhoneOptions,
  note: (e164: string) => string,
): PhoneResult {
  const result = checkNumber(attempt, text, input, country, options);
  return result.ok ? { ...result, note: note(result.e164) } : result;
}

/**
 * A national number (digits and punctuation, no `+` or `00`) that is not valid in the row's
 * country `rowCountry` but is in `--default-country`: read there, and the row's message says so.
 */
function readInDefaultCountry(
  text: string,
  input: string,
  rowCountry: ResolvedCountry,
  options: PhoneOptions,
): PhoneResult | undefined {
  if (options.defaultCountry === undefined || !DIGITS_ONLY.test(text) || text.startsWith('00'))
    return undefined;
  const own = resolveCountry(options.defaultCountry);
  if (own === undefined || callingCodeOf(own) === callingCodeOf(rowCountry)) return undefined;
  const attempt = parse(text, own, input);
  if (!attempt.ok || !attempt.check.valid || attempt.number.ext) return undefined;
  return noted(attempt, text, input, own, options, (e164) => {
    return `mobile ${echo(input)} is not a valid number${countryLabel(rowCountry)} (the row's country): read${countryLabel(own).replace(' for', ' as')} (--default-country), ${e164}`;
  });
}

/**
 * A national number whose row names a country that is not recognised, read in
 * `--default-country` when it is a valid number there; `undefined` otherwise (the row is then
 * refused for its country).
 */
function readInDefaultCountryInstead(
  text: string,
  input: string,
  rowText: string,
  options: PhoneOptions,
): PhoneResult | undefined {
  const own = options.defaultCountry === undefined ? undefined : resolveCountry(options.defaultCountry);
  if (own === undefined) return undefined;
  const attempt = parse(text, own, input);
  if (!attempt.ok || !attempt.check.valid) return undefined;
  return noted(attempt, text, input, own, options, (e164) => {
    return `country ${echo(rowText)} is not a recognised country: read${countryLabel(own).replace(' for', ' as')} (--default-country), ${e164}`;
  });
}

/**
 * A national reading that is a fixed line, of digits that start with the country's own calling
 * code and read as international are a mobile of that country: that mobile, and the row's
 * message says so.
 */
function mobileWithOwnCallingCode(
  text: string,
  input: string,
  country: ResolvedCountry,
  options: PhoneOptions,
): PhoneResult | undefined {
  const digits = internationalDigits(text);
  if (digits === undefined || !digits.startsWith(callingCodeOf(country))) return undefined;
  const attempt = parse(`+${digits}`, undefined, input);
  if (!attempt.ok || !attempt.check.valid || attempt.check.type !== 'MOBILE' || attempt.number.ext)
    return undefined;
  return noted(attempt, text, input, country, options, (e164) => {
    return `mobile ${echo(input)} read as international (${e164}), a mobile, rather than as a landline${countryLabel(country).replace(' for', ' of')}`;
  });
}

function leadingZeroRestored(
  text: string,
  iso: CountryCode,
  input: string,
  options: PhoneOptions,
): PhoneResult | undefined {
  const country: ResolvedCountry = { iso };
  const withZero = parse(`0${text}`, country, input);
  if (!withZero.ok || !withZero.check.valid) return undefined;
  // Nothing was lost where the digits are the same number as written (an Indian mobile `7571869952`
  // and `07571869952`): read as written, without the note.
  const asWritten = parse(text, country, input);
  if (asWritten.ok && asWritten.check.valid && asWritten.number.number === withZero.number.number)
    return undefined;
  return noted(withZero, text, input, country, options, (e164) => {
    return `mobile ${echo(input)}: the leading 0 was missing (Excel stored it as a number); read as 0${text} (${e164})`;
  });
}

/** The checks every parsed number goes through: extension, letters, validity, fixed line. */
function checkNumber(
  { number, check }: ParsedNumber,
  text: string,
  input: string,
  country: ResolvedCountry | undefined,
  options: PhoneOptions,
): PhoneResult {
  if (number.ext)
    return failure(
      'PHONE_INVALID',
      input,
      `has an extension (${number.ext}); an SMS cannot reach an extension`,
    );
  if (LETTER.test(text)) return failure('PHONE_NOT_A_NUMBER', input, 'contains letters: not a phone number');
  if (!check.valid) return invalidNumber(number, country, input);
  if (options.requireMobile && check.type === 'FIXED_LINE') {
    return failure(
      'PHONE_NOT_MOBILE',
      input,
      `not a mobile number (fixed line${number.country ? `, ${number.country}` : ''})`,
    );
  }
  // The source's country when the number is valid in it (see contactCountry), else the number's.
  const numberCountry = contactCountry(number.country, country);
  const result: PhoneResult =
    numberCountry === undefined
      ? { ok: true, e164: number.number }
      : { ok: true, e164: number.number, country: numberCountry };
  if (check.type === 'FIXED_LINE') result.fixedLine = true;
  return result;
}

/** A parsed number and its one type check ({@link numberType}: validity and type in one pass). */
interface ParsedNumber {
  number: PhoneNumber;
  check: NumberCheck;
}

type ParseAttempt = ({ ok: true } & ParsedNumber) | { ok: false; error: RowError };

function parse(text: string, country: ResolvedCountry | undefined, input: string): ParseAttempt {
  try {
    const number = parseNumber(
      text,
      country === undefined
        ? undefined
        : country.iso !== undefined
          ? country.iso
          : { defaultCallingCode: country.callingCode },
    );
    return { ok: true, number, check: numberType(number) };
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    return parseFailure(error.message, text, country, input);
  }
}

/** libphonenumber-js's reasons, one to one. */
function parseFailure(
  reason: string,
  text: string,
  country: ResolvedCountry | undefined,
  input: string,
): { ok: false; error: RowError } {
  const where = countryLabel(country);
  // `bad0`, `x1`: a word with a digit in it is no number too short, it is no number.
  if (reason !== 'INVALID_COUNTRY' && LETTER.test(text))
    return failure('PHONE_NOT_A_NUMBER', input, 'contains letters: not a phone number');
  switch (reason) {
    case 'INVALID_COUNTRY':
      return text.startsWith('+')
        ? failure('PHONE_INVALID_COUNTRY', input, 'unknown country calling code')
        : failure('PHONE_INVALID_COUNTRY', input, 'no country: add a country column or --default-country');
    case 'TOO_SHORT':
      return failure('PHONE_TOO_SHORT', input, `too short${where}`);
    case 'TOO_LONG':
      return failure('PHONE_TOO_LONG', input, `too long${where}`);
    case 'NOT_A_NUMBER':
      return failure('PHONE_NOT_A_NUMBER', input, 'not a phone number');
    default:
      return failure('PHONE_INVALID', input, `not a valid number${where} (${reason})`);
  }
}

/** A number that parsed but is not valid: say whether its length is the problem. */
function invalidNumber(
  number: PhoneNumber,
  country: ResolvedCountry | undefined,
  input: string,
): PhoneResult {
  const where =
    number.country !== undefined
      ? ` for ${number.country}`
      : country?.iso !== undefined && getCountryCallingCode(country.iso) === number.countryCallingCode
        ? ` for ${country.iso}`
        : ` for +${number.countryCallingCode}`;
  switch (lengthProblem(number.number)) {
    case 'TOO_SHORT':
      return failure('PHONE_TOO_SHORT', input, `too short${where}`);
    case 'TOO_LONG':
      return failure('PHONE_TOO_LONG', input, `too long${where}`);
    case 'INVALID_LENGTH':
      return failure('PHONE_INVALID', input, `invalid length${where}`);
    default:
      return failure('PHONE_INVALID', input, `not a valid number${where}`);
  }
}

function countryLabel(country: ResolvedCountry | undefined): string {
  if (country === undefined) return '';
  return country.iso !== undefined ? ` for ${country.iso}` : ` for +${country.callingCode}`;
}

function failure(code: RowCode, input: string, reason: string): { ok: false; error: RowError } {
  return { ok: false, error: { code, field: 'mobile', message: `mobile ${echo(input)}: ${reason}` } };
}

/**
 * A value quoted for a message: JSON escapes (control characters stay visible), long values cut,
 * without a spreadsheet's text marker before a number (Shopify's `'9 4395 061`), which is no part
 * of it and is dropped before parsing too.
 */
function echo(value: string): string {
  let trimmed = value.trim();
  if (trimmed.charCodeAt(0) === 39 /* ' */ && /^'\s*[+\d]/.test(trimmed)) trimmed = trimmed.slice(1).trim();
  return JSON.stringify(
    trimmed.length > MAX_ECHOED_INPUT ? `${trimmed.slice(0, MAX_ECHOED_INPUT)}…` : trimmed,
  );
}

/** The results of normalising a chunk of numbers, index-aligned with the inputs. */
export interface PhoneBatch {
  /** E.164 per input; `''` where the number was rejected. */
  e164: string[];
  /** The number's ISO country per input; `''` when rejected or non-geographic. */
  countries: string[];
  /** The problem per rejected input, by index. */
  errors: Map<number, RowError>;
  /** How a number was read, by index, when it was not read as written ({@link PhoneResult} `note`). */
  notes: Map<number, string>;
  /** The indexes of the numbers known to be landlines ({@link PhoneResult} `fixedLine`). */
  fixedLines: number[];
}

/**
 * {@link normalisePhone} over a chunk, in the compact shape workers send back.
 * @param countries the row's country text per input, `''` when none
 * @param numeric the indexes of inputs that were number cells in a workbook
 */
export function normaliseChunk(
  inputs: readonly string[],
  countries: readonly string[],
  options: PhoneOptions,
  numeric: ReadonlySet<number> = NO_INDEXES,
): PhoneBatch {
  const count = inputs.length;
  const e164 = new Array<string>(count);
  const numberCountries = new Array<string>(count);
  const errors = new Map<number, RowError>();
  const notes = new Map<number, string>();
  const fixedLines: number[] = [];
  for (let index = 0; index < count; index++) {
    const result = normalisePhone(
      inputs[index] as string,
      countries[index] || undefined,
      options,
      numeric.has(index) ? NUMERIC : NOT_NUMERIC,
    );
    if (result.ok) {
      e164[index] = result.e164;
      numberCountries[index] = result.country ?? '';
      if (result.note !== undefined) notes.set(index, result.note);
      if (result.fixedLine) fixedLines.push(index);
    } else {
      e164[index] = '';
      numberCountries[index] = '';
      errors.set(index, result.error);
    }
  }
  return { e164, countries: numberCountries, errors, notes, fixedLines };
}

const NO_INDEXES: ReadonlySet<number> = new Set();
const NUMERIC: PhoneInputFlags = { numeric: true };
const NOT_NUMERIC: PhoneInputFlags = {};
