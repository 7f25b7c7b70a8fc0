/**
 * The pure part of phone normalisation: one raw number (plus the row's country) → E.164 or a
 * `PHONE_*` code. Used on the main thread and in the phone workers; the `normalisePhones` stage
 * lives in `normalise-phone.ts`.
 */
import {
  ParseError,
  getCountryCallingCode,
  type CountryCode,
  type NumberType,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import type { RowCode, RowError } from '../types.js';
import { contactCountry, resolveCountry, type ResolvedCountry } from './phone-country.js';
import { isPlaceholder } from './placeholder.js';
import { BREAK_BEFORE_EXTENSION, OR_WORD } from './number-joins.js';
import { lengthProblem, numberType, parseNumber, trunkPrefixOf, type NumberCheck } from './phone-type.js';

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
 * landline (without `requireMobile`, which refuses it) or another number that is no mobile (VoIP,
 * toll-free, UAN...), so a row's mobile among several numbers can be told from it
 * (`normalise-phone.ts`).
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
/**
 * A WhatsApp click-to-chat link (`wa.me/6281234567890`, `https://api.whatsapp.com/send?phone=…`),
 * which CRMs keep in a phone column: its number is written in full international form without `+`.
 */
const WHATSAPP_LINK =
  /^(?:https?:\/\/)?(?:www\.)?(?:wa\.me\/|api\.whatsapp\.com\/send\/?\?phone=)\+?(\d{6,15})(?:[/?&#]\S*)?$/i;
const LETTER = /\p{L}/u;

/**
 * Normalises one mobile number to E.164 (pure; libphonenumber-js with full metadata).
 *
 * The input is cleaned first: surrounding space, a leading `'` (spreadsheet text marker, or our
 * own report's spreadsheet-safety prefix), a `tel:` prefix, Excel's `="…"` wrapper and a float's
 * trailing `.0` are removed, spaces libphonenumber does not know (thin, narrow no-break, figure
 * space, tab) become spaces, and a label (`Mob:`, `(m)`) is removed when the rest is a good number;
 * `00` is read as the international `+` when the number cannot be read with the country's own
 * international prefix.
 *
 * Read otherwise than as written, with a `note` saying so: digits not valid in the country that
 * are a mobile read as international, when written unbroken or with the calling code as their
 * first group (`447911123456`, `44 7911 123456`); unbroken digits whose national reading is a
 * landline (or voicemail...) and whose international one a mobile; a workbook number cell not
 * valid as written, with its lost 0 restored (never into an international prefix); Mexico's
 * dropped mobile `1` (`+52 1 55…`). A refusal names the fix for a Brazilian mobile without its 9th
 * digit and for two numbers in one text.
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
  // Thin, narrow no-break and figure spaces, tabs: libphonenumber knows only a few spaces.
  let text = (OTHER_SPACE.test(input) ? input.replace(OTHER_SPACES, ' ') : input).trim();
  // Direction marks (a number pasted from WhatsApp or an RTL sheet), zero-width spaces, a BOM.
  if (INVISIBLE.test(text)) text = text.replace(INVISIBLES, '').trim();
  if (text.charCodeAt(0) === 39 /* ' */) text = text.slice(1).trim();
  if (text.charCodeAt(0) === 61 /* = */) {
    const formula = EXCEL_TEXT_FORMULA.exec(text);
    if (formula) text = (formula[1] as string).trim();
  }
  if (text.length > 4 && TEL_URI.test(text)) text = text.slice(4).trim();
  // `https://wa.me/6281234567890`: a WhatsApp link holds the whole international number.
  const whatsApp = WHATSAPP_LINK.exec(text);
  if (whatsApp) {
    const result = normaliseText(`+${whatsApp[1] as string}`, input, rowCountry, options, flags);
    return result.ok ? { ...result, note: joined(result.note, 'the number of a WhatsApp link') } : result;
  }
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
  // `+1 415 555 2671 | ext 12345` (the cell was not split at the `|`, see `splitNumbers`): an
  // extension, as after `, `.
  text = text.replace(BREAK_BEFORE_EXTENSION, ', ');
  // `090ー1234ー5678`: a Japanese input method's long-vowel mark typed for a hyphen.
  if (text.includes('ー') || text.includes('ｰ')) text = text.replace(LONG_VOWEL_DASH, '-');
  // `(0xx11) 98765-4321`: Brazil's trunk 0 with `xx` standing for the carrier the caller picks.
  if (text.length > 4 && CARRIER_PLACEHOLDER.test(text)) text = text.replace(CARRIER_PLACEHOLDER, '$10');
  // A label beside the number (`Mob: 07911 123456`): the number, when it is a good one without
  // it; else the refusal is for the whole text (`tel 12` is no number too short).
  if (LETTER.test(text)) {
    const leading = LEADING_LABEL.exec(text);
    const trailing = leading ? undefined : TRAILING_LABEL.exec(text);
    const label = leading ? (leading[1] as string).trim() : trailing?.[2];
    const number = leading ? leading[2] : trailing?.[1];
    if (label !== undefined && number !== undefined) {
      const result = normaliseText(number.trim(), input, rowCountry, options, flags);
      if (result.ok) return { ...result, note: joined(result.note, `label ${echo(label)} removed`) };
    }
  }
  const result = normaliseText(text, input, rowCountry, options, flags);
  if (result.ok || !holdsTwoNumbers(text)) return result;
  // `07911123460/07400123460` is not "too long": say what to fix.
  return failure(
    result.error.code,
    input,
    'the cell seems to hold two numbers: keep one, or separate them with "," or ";"',
  );
}

/**
 * `0xx` before an area code (`(0xx11) 98765-4321`, `0XX 21 3456-7890`), as Brazilian lists write
 * the national prefix: `0`, then a carrier code the caller chooses, shown as `xx`.
 */
const CARRIER_PLACEHOLDER = /^(\(?)\s*0\s*xx\s*\)?\s*(?=\(?\d)/i;
/** `ー` (and its half-width `ｰ`) between digits, as Japanese input methods give for `-`. */
const LONG_VOWEL_DASH = /(?<=[0-9０-９])[ーｰ](?=[0-9０-９])/g;

/** Between two numbers of a cell that is not split (map-fields.ts `splitNumbers`). */
const TWO_NUMBERS_JOIN = new RegExp(
  `\\s*(?:[&/|\\n、，；]|\\s[-–]\\s|\\s(?:${OR_WORD}|and|und|y|et)\\s)\\s*`,
  'i',
);
/** Digits of a whole number, about: each side of a join has as many when a cell holds two. */
const MIN_DIGITS_OF_TWO = 7;

/** `07911 123459 & 07400 123459`, `07911123460/07400123460`, `… - …`: two numbers in one text. */
function holdsTwoNumbers(text: string): boolean {
  const parts = text.split(TWO_NUMBERS_JOIN);
  return (
    parts.length > 1 && parts.every((part) => part.replace(/[^0-9０-９]/g, '').length >= MIN_DIGITS_OF_TWO)
  );
}

/** {@link normalisePhone} of a cleaned text. */
function normaliseText(
  text: string,
  input: string,
  rowCountry: string | undefined,
  options: PhoneOptions,
  flags: PhoneInputFlags,
): PhoneResult {
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
      const second = plus();
      if (!(attempt.ok && attempt.check.valid)) {
        if (second.ok || !attempt.ok) attempt = second;
      } else if (second.ok && second.check.valid && second.number.number !== attempt.number.number) {
        // Both valid, and not the same number: a carrier's prefix (Singapore's 004, Korea's 008)
        // ate the calling code's first digit, or the text does dial that carrier.
        const reading = carrierOrInternational(text, input, attempt, second, country);
        if (!reading.ok) return reading;
        attempt = reading;
      }
    }
  } else {
    attempt = parse(text, country, input);
  }
  if (!(attempt.ok && attempt.check.valid)) {
    // "+52 1 55 8765 4321": Mexico's mobile "1", dropped in 2019, kept by WhatsApp ids. Before the
    // default country: "1 55 1234 5678" in a Mexican row is no New Jersey number.
    const mexican = mexicanMobileWithout1(text, input, attempt, country, options);
    if (mexican) return mexican;
  }
  if (!(attempt.ok && attempt.check.valid) && rowText && country !== undefined) {
    // "07911 123456" beside a Spanish postal address: not a number of the row's country, but
    // written as the user's own (--default-country) numbers are, as a phone's address book keeps them.
    const own = readInDefaultCountry(text, input, country, options);
    if (own) return own;
  }
  if (!(attempt.ok && attempt.check.valid)) {
    // "044 55 1234 5678", "8 050 123 45 67", "+48 (0) 601 234 567": a prefix no longer dialled.
    // After the default country: a Togolese 8-digit mobile beside a Benin address is Togo's.
    const unprefixed = withoutOldPrefix(text, input, country, options);
    if (unprefixed) return unprefixed;
    // "0168 123 4567": a Vietnamese 11-digit mobile, renumbered to 10 digits in 2018-2019.
    const renumbered = vietnameseMobileRenumbered(text, input, attempt, country, options);
    if (renumbered) return renumbered;
    // "447911123456": not a number of the row's country, but a valid one read as international.
    const international = readAsInternational(text, input, country, options);
    if (international) return international;
    const ninth = brazilianMobileWithNinthDigit(text, attempt, country);
    if (ninth !== undefined)
      return failure(
        'PHONE_INVALID',
        input,
        `an 8-digit mobile: Brazilian mobiles have had 9 digits since 2016; add a 9 after the area code (${ninth}?)`,
      );
  } else if (attempt.check.type !== undefined && !isMobileType(attempt.check.type)) {
    // "+39 (0)351 234 5678": a landline with its (0), a mobile without it.
    const doubt = zeroOrNot(text, input, attempt);
    if (doubt) return doubt;
    // "4915123456789" or "447911123456" with DE: a landline of Germany's open plan (+49 4915…,
    // +49 4479…), or a mobile written with its calling code and without its +, as Brevo's `SMS`
    // column and Excel write them; an SMS tool takes the mobile.
    if (country !== undefined) {
      const mobile = mobileWithCallingCode(text, input, country, attempt.check.type, options);
      if (mobile) return mobile;
      // "65 9123 4567" in an Indonesian row: its landline without the trunk 0, or Singapore's
      // mobile without its +.
      const doubt = landlineOrForeignMobile(text, input, attempt, country);
      if (doubt) return doubt;
    }
  }
  if (!attempt.ok) return attempt;
  const result = checkNumber(attempt, text, input, country, options);
  if (!result.ok) return result;
  if (unneededCountry === undefined) return result;
  const note = `country ${echo(unneededCountry)} is not a recognised country; the number's own calling code was used`;
  return { ...result, note: joined(result.note, note) };
}

function joined(first: string | undefined, second: string): string {
  return first === undefined ? second : `${first}; ${second}`;
}

/** Spaces other than the ones libphonenumber reads (space, NBSP, U+3000), and tabs. */
const OTHER_SPACE = /[\t\u1680\u2000-\u200a\u202f\u205f]/;
const OTHER_SPACES = new RegExp(OTHER_SPACE.source, 'g');
/**
 * Characters that show nothing: soft hyphen, zero-width spaces and joiners, left-to-right and
 * right-to-left marks, embeddings and isolates, word joiner, BOM. `1 (786) 556-0540` followed by
 * U+2069 (a Hebrew sheet's cell) was no number read as international.
 */
const INVISIBLE = /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;
const INVISIBLES = new RegExp(INVISIBLE.source, 'g');
/** The words {@link LEADING_LABEL} removes, one of them or two joined by `/` (`Mobile/WhatsApp`). */
const PHONE_LABEL_WORDS = [
  String.raw`mob(?:il(?:e|nr|nummer|telefon|funk)?)?`,
  String.raw`(?:tel\.?\s*)?cell(?:ular|ulare)?`,
  'cel',
  String.raw`t[eé]l(?:[eé]phone|[eé]fono|efone|ephone|efon|p)?`,
  'phone',
  'ph',
  String.raw`handy(?:-?nr\.?|nummer)?`,
  String.raw`port(?:able)?`,
  'celular',
  'm[oó]vil',
  'mobiel',
  'natel',
  'matkapuhelin',
  'puh(?:elin)?',
  String.raw`κινητ[όο](?:\s*τηλ[έε]φωνο)?`,
  'κιν',
  String.raw`τηλ(?:[έε]φωνο)?`,
  'contact',
  String.raw`gsm(?:-?nr\.?)?`,
  'tlf',
  'handphone',
  String.raw`h\/p`,
  'hp',
  String.raw`no\.?\s*hp`,
  String.raw`nomor\s*hp`,
  'wa',
  'whatsapp',
  String.raw`cep(?:\s*tel)?`,
  String.raw`(?:tel\.?\s*)?kom(?:[óo]rka)?`,
  'sđt',
  'đtdđ',
  'đt',
  String.raw`моб(?:ильный)?(?:\.?\s*тел)?`,
  'тел',
  '手机号码?',
  '手機(?:號碼)?',
  '手机',
  '电话',
  '電話',
  '携帯(?:電話|番号)?',
  '휴대폰',
  '핸드폰',
  'موبايل',
  'נייד',
  '[mtc]',
].join('|');
/**
 * A short label before or after the number, as signatures and hand-made sheets write it:
 * `Mob: 07911 123456`, `Cell: (415) 555-2671`, `C: 415-555-2671`, `(cell) 415-555-2671`,
 * `Tel. 0171 1234567`, `07911 123457 (m)`, and in other languages (`HP:` and `WA:` in Indonesia
 * and Malaysia, `Cep:`, `Port.`, `Puh.`, `Κινητό`, `моб.`, `手机`, `携帯`, `(WhatsApp)`), before
 * ASCII or full-width digits. Only words that name a phone: `1-800-FLOWERS` keeps its letters
 * and is refused, and so do `Fax`, `Home`, `H:` and `O:`. After the label, a colon or a dash
 * (`Mobile - 07911 123456`); after the number, a dash or `/` (`+62 812-3456-7890 / WA`).
 */
const LEADING_LABEL = new RegExp(
  String.raw`^((?:[(\[]\s*)?(?:${PHONE_LABEL_WORDS})(?:\s*\/\s*(?:${PHONE_LABEL_WORDS}))?(?:[\s.]*(?:phone|no|number|nr|#))?\.?(?:\s*[)\]])?\s*(?:[:：]|[-–—](?=\s*[+(\d＋（０-９]))?\s*)([+(\d＋（０-９][^\p{L}]*)$`,
  'iu',
);
const TRAILING_LABEL =
  /^([+(\d＋（０-９][^\p{L}]*?)\s*(?:[-–—/]\s*)?([([](?:m|c|mob|mobile|cell|whatsapp|wa|hp)(?: only)?[)\]]|mobile|mob|cell|whatsapp|wa)$/iu;

/**
 * `00…` valid read both ways: after a carrier's international prefix of the row's country, as
 * libphonenumber reads it (Singapore's 001–039, Korea's 001, 002, 008…, Thailand's 001–009, Hong
 * Kong's, Taiwan's, Cambodia's, Colombia's, Japan's 0066 toll-free numbers), and with `00` as the
 * ITU's international prefix. `0049 1512 3456789` in Singapore is no Indian landline (+91 5…),
 * `0081 90 1234 5678` in Korea no Memphis number, `0082 010 1234 5678` there no Egyptian mobile.
 * The reading taken, in order: the ITU's, when the first group written is `00` and its calling
 * code (`0081 …`) and not the carrier's prefix; the carrier's, when the first group is its prefix
 * (`001 65 9123 4567` in Korea, through KT's 001) and not `00` and a calling code; the only mobile
 * of the two; the ITU's when it is the row's own calling code (no one dials home through a carrier's
 * international prefix). Otherwise (`00818012345678` unbroken) the number is refused, naming both.
 * Measured by a second audit over 145,530 `00cc` forms of every calling code's example numbers in
 * every such row: 4 wrong (Tajik toll-free numbers), against 417 before.
 */
function carrierOrInternational(
  text: string,
  input: string,
  carrier: ParsedNumber,
  international: ParsedNumber,
  country: ResolvedCountry,
): ParseAttempt {
  const digits = text.replace(/\D/g, '');
  // `0011 501 622 1234` in Australia (its own prefix, then Belize): libphonenumber reads "+11…"
  // as +1 after dropping a 1; a reading that drops a digit written (other than a trunk 0 kept
  // after the calling code, `0094 071 234 5678`) is no reading.
  const { countryCallingCode: code, nationalNumber } = international.number;
  const rest = digits.slice(2);
  if (rest !== code + nationalNumber && rest !== `${code}0${nationalNumber}`) return { ok: true, ...carrier };
  const first = DIGIT_GROUP.exec(text)?.[0] ?? '';
  const dialled = carrier.number.countryCallingCode + carrier.number.nationalNumber;
  const carrierPrefix = digits.endsWith(dialled)
    ? digits.slice(0, digits.length - dialled.length)
    : undefined;
  const ituGroup = `00${code}`;
  if (first === ituGroup && first !== carrierPrefix) return { ok: true, ...international };
  if (first === carrierPrefix && first !== ituGroup) return { ok: true, ...carrier };
  const carrierMobile = isMobileType(carrier.check.type);
  if (carrierMobile !== isMobileType(international.check.type))
    return { ok: true, ...(carrierMobile ? carrier : international) };
  // Through a carrier to one's own country is never dialled.
  if (international.number.countryCallingCode === callingCodeOf(country))
    return { ok: true, ...international };
  return failure(
    'PHONE_INVALID',
    input,
    `00 may be the international prefix (${international.number.number}) or a carrier's prefix${countryLabel(country, 'of')} (${carrier.number.number}): write the number with + to say which`,
  );
}

/** A number written with its calling code: `+44…`, `0044…` (the ITU international prefix). */
const INTERNATIONAL_FORM = /^(?:\+|00)\s*[1-9]/;

/** Digits, and the spaces and punctuation people write between them: no `+`, no letters. */
const DIGITS_ONLY = /^\(?\d[\d\s().-]*$/;
/** An international number has at least 8 digits (country code + subscriber number), at most 15. */
const INTERNATIONAL_DIGITS = /^[1-9]\d{7,14}$/;
/** Digits of a North American number without its country code. */
const NANP_DIGITS = 10;

/**
 * Ten digits in a North American row: a whole national number (area code, exchange, line), never
 * a number written with its calling code and without its `+` (278-234-5678 is no South African
 * mobile).
 */
function wholeNanpNumber(digits: string, country: ResolvedCountry | undefined): boolean {
  return digits.length === NANP_DIGITS && country !== undefined && callingCodeOf(country) === '1';
}

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
  // Ten digits in the North American plan that are not valid have a typo; read as international
  // they would be someone else's.
  if (wholeNanpNumber(digits, country)) return undefined;
  const attempt = parse(`+${digits}`, undefined, input);
  if (!attempt.ok || !attempt.check.valid || attempt.number.ext) return undefined;
  // Written as a national number (`648 702 0221` in Spain, a digit too many): a typo, not the
  // New Zealand +64 8702 0221. Only digits as Excel and Brevo write them (`447911123456`), or a
  // first group that is the calling code (`44 7911 123456`), carry one; and where the row has a
  // country, only a mobile is worth the doubt (`686 224 77` is no Kiribati landline).
  if (!writtenWithCallingCode(text, attempt.number.countryCallingCode)) return undefined;
  if (country !== undefined && !isMobileType(attempt.check.type)) return undefined;
  const where =
    country === undefined ? 'there is no country for it' : `not a valid number${countryLabel(country)}`;
  return noted(attempt, text, input, country, options, (e164) => {
    return `mobile ${echo(input)} read as international (${e164}): ${where}`;
  });
}

/** Digits without any space or punctuation (`447911123456`), or whose first group is `callingCode`. */
function writtenWithCallingCode(text: string, callingCode: string): boolean {
  if (UNBROKEN_DIGITS.test(text)) return true;
  const first = DIGIT_GROUP.exec(text);
  if (first === null) return false;
  if (first[0] === callingCode) return true;
  // `88 01712 345678`, `38 050 123 45 67`, `6 012-345 6789`: a calling code that ends in 0
  // (Bangladesh's 880, Ukraine's 380, Malaysia's 60) written with the national number's trunk 0.
  return `${first[0]}0` === callingCode && /^\D+0/.test(text.slice(first.index + first[0].length));
}

const UNBROKEN_DIGITS = /^\d+$/;
const DIGIT_GROUP = /\d+/;

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
 * The national digits `text` may hold after calling code `code`, for the rules of a country's old
 * number forms (Mexico's 1, Vietnam's 11 digits, Brazil's 8): the parse's, when it read that
 * calling code (and, given `written`, the text writes it); then the digits after `code` when the
 * text is digits and punctuation that start with it and the row's country is none or of that
 * calling code (`841681234567`, `5511 8765-4321`, which no plan reads as written).
 */
function nationalDigitsOf(
  code: string,
  text: string,
  attempt: ParseAttempt,
  country: ResolvedCountry | undefined,
  written?: RegExp,
): string[] {
  const found: string[] = [];
  if (
    attempt.ok &&
    attempt.number.countryCallingCode === code &&
    (written === undefined || written.test(text))
  )
    found.push(attempt.number.nationalNumber);
  if ((country === undefined || callingCodeOf(country) === code) && DIGITS_ONLY.test(text)) {
    const digits = text.replace(/\D/g, '');
    if (digits.startsWith(code)) found.push(digits.slice(code.length));
  }
  return found;
}

/** The match of `pattern` in the first of `candidates` it matches. */
function firstMatch(pattern: RegExp, candidates: readonly string[]): RegExpExecArray | null {
  for (const candidate of candidates) {
    const match = pattern.exec(candidate);
    if (match) return match;
  }
  return null;
}

/** Mexico's calling code, and the mobile `1` its numbers no longer have (2019). */
const MEXICO = '52';
const MEXICAN_WITH_1 = /^1\d{10}$/;
/** `+52`, `0052`, `52` at the start: the calling code written, not taken from the row's country. */
const MEXICO_WRITTEN = /^(?:\+|00)?\s*52/;
/** `011 52 …`, `0011 52 …`: 52 after the North American or Australian international prefix. */
const MEXICO_AFTER_IDD = /^(?:011|0011)[\s.-]*52/;
/** `1 55 1234 5678`, `1 (33) 1234-5678`: the mobile 1, then a two-digit area code as its own group. */
const MEXICAN_1_BEFORE_AREA = /^1[\s.-]*\(?(?:55|33|81)\)?[\s.-]+\d{4}[\s.-]*\d{4}$/;

/**
 * `+52 1 55 8765 4321`, `521 33 8765 4321`, `1 55 1234 5678` in Mexico: the number without the
 * `1` Mexico dropped in 2019 (libphonenumber no longer reads it), when that is valid, and the
 * row's message says so.
 */
function mexicanMobileWithout1(
  text: string,
  input: string,
  attempt: ParseAttempt,
  country: ResolvedCountry | undefined,
  options: PhoneOptions,
): PhoneResult | undefined {
  // After a 52 the text holds, or in a Mexican row a 1 before a two-digit area code (Mexico City's
  // 55, Guadalajara's 33, Monterrey's 81): `1 415 555 2671` in a Mexican row is a US number.
  const candidates = nationalDigitsOf(MEXICO, text, attempt, country, MEXICO_WRITTEN);
  if (country !== undefined && callingCodeOf(country) === MEXICO && MEXICAN_1_BEFORE_AREA.test(text))
    candidates.push(text.replace(/\D/g, ''));
  // `011 52 1 55 …` in a US list, `0011 52 1 …` in an Australian one: the 52 after their prefix.
  const afterPrefix = MEXICO_AFTER_IDD.exec(text);
  if (afterPrefix) candidates.push(text.slice(afterPrefix[0].length).replace(/\D/g, ''));
  const with1 = candidates.find((national) => MEXICAN_WITH_1.test(national));
  if (with1 === undefined) return undefined;
  const without1 = parse(`+${MEXICO}${with1.slice(1)}`, undefined, input);
  if (!without1.ok || !without1.check.valid) return undefined;
  return noted(without1, text, input, country, options, (e164) => {
    const where = MEXICO_WRITTEN.test(text) || afterPrefix ? 'after +52' : 'before the area code';
    return `mobile ${echo(input)}: Mexico's mobile 1 ${where} is no longer used (dropped in 2019); read as ${e164}`;
  });
}

/**
 * Mexico's dialling prefixes before its national numbers, dropped in August 2019 and kept by
 * older address books: `044` (a mobile, local call), `045` (a mobile, long distance), `01` (long
 * distance).
 */
const MEXICAN_OLD_PREFIX = /^(?:044|045|01)(\d{10})$/;

/**
 * Countries where the long-distance `8` of the Soviet plan is no longer dialled and libphonenumber
 * no longer reads it (`8 050 123 45 67` in Ukraine is `050 123 45 67`; `8 029…` in Belarus,
 * `8 916…` in Russia and Kazakhstan, `8 6…` in Lithuania are still read by it).
 */
const OLD_TRUNK_8: ReadonlySet<string> = new Set(['UA', 'MD', 'GE', 'AM', 'AZ', 'KG', 'TJ', 'TM', 'UZ']);

/**
 * `+91 919876543210`: a form's `+91` and the number typed with its calling code again. Digits and
 * `+` only; the calling code (1–3 digits), then the same digits again, then the rest.
 */
const CALLING_CODE_TWICE = /^(?:\+|00)(\d{1,3})\1(\d{6,})$/;
/** `+07911 123456`: a `+` before a national number with its trunk 0 (web forms that force a `+`). */
const PLUS_BEFORE_TRUNK_0 = /^\+\s*\(?0[1-9]/;

/** Benin's calling code; its numbers gained `01` in front on 30 November 2024 (8 → 10 digits). */
const BENIN = '229';
/**
 * Chile's calling code; its mobiles were 8 digits until February 2012 (a 9 was put in front), and
 * dialled `09` + those 9 digits until February 2016, now 9 + 8.
 */
const CHILE = '56';
/**
 * Egypt's calling code, and its mobiles' 2-digit prefixes (after the 0) → their 3-digit ones of
 * October 2011 (NTRA): `012 345 6789` is `0122 345 6789` now. 013 and 015 were landline codes.
 */
const EGYPT = '20';
// prettier-ignore
const EGYPT_RENUMBERED: Readonly<Record<string, string>> = {
  '10': '100', '16': '106', '19': '109', '11': '111', '14': '114', '12': '122', '17': '127', '18': '128',
};
/** Côte d'Ivoire's calling code; its 8-digit numbers got 2 digits in front on 31 January 2021. */
const IVORY_COAST = '225';

/**
 * A number of a country's former numbering, which libphonenumber no longer reads, that is one
 * number now: Benin's 8 digits (`97 12 34 56`, `+229 97 12 34 56`), which every operator's
 * numbers turned into `01` + the 8 digits; Chile's `09 8765 4321`, now `9 8765 4321`. The row's
 * message says so. Refused, saying what the number may be now: Egypt's `012 345 6789` (`0122 345
 * 6789` since 2011, or a current number with a digit dropped), Chile's 8-digit mobiles (`9825
 * 2174`, `+56 9 9825 2174` since 2012, or the same) and Côte d'Ivoire's 8 digits (with their
 * operator's 2 in front since 2021, which the digits do not tell).
 */
function formerNumbering(
  text: string,
  input: string,
  country: ResolvedCountry | undefined,
  options: PhoneOptions,
): PhoneResult | undefined {
  let code: string | undefined;
  let national: string;
  if (INTERNATIONAL_FORM.test(text)) {
    // Written with its calling code: the country the text names, whatever the row's.
    const digits = text.replace(/\D/g, '').replace(/^00/, '');
    code = [BENIN, CHILE, EGYPT, IVORY_COAST].find((former) => digits.startsWith(former));
    national = digits.slice(code?.length ?? 0);
  } else {
    if (country === undefined || !DIGITS_ONLY.test(text)) return undefined;
    code = callingCodeOf(country);
    national = text.replace(/\D/g, '');
  }
  if (code === IVORY_COAST && /^\d{8}$/.test(national))
    return failure(
      'PHONE_TOO_SHORT',
      input,
      "an 8-digit Ivorian number: since 31 January 2021 numbers have 10 digits, the 2 in front telling the operator (mobiles 07 Orange, 05 MTN, 01 Moov; landlines 27, 25, 21); add the person's",
    );
  let now: string | undefined;
  let change: string;
  if (code === BENIN) {
    now = /^\d{8}$/.test(national) ? `01${national}` : undefined;
    change = "Benin's numbers gained 01 in front on 30 November 2024";
  } else if (code === CHILE) {
    if (/^[5-9]\d{7}$/.test(national)) {
      // Said, not done, as Egypt's: a current mobile with a digit dropped looks the same.
      const then = parse(`+${CHILE}9${national}`, undefined, input);
      if (then === undefined || !then.ok || !then.check.valid || !isMobileType(then.check.type))
        return undefined;
      return failure(
        'PHONE_TOO_SHORT',
        input,
        `too short for CL: Chilean mobiles have had 9 digits since February 2012, a 9 in front of the 8 they had (${then.number.number}, if this is a number from before then)`,
      );
    }
    now = /^09\d{8}$/.test(national) ? national.slice(1) : undefined;
    change = "Chile's mobiles are dialled 9, not 09, since 2016";
  } else if (code === EGYPT) {
    // Said, not done: a current 11-digit mobile with a digit dropped looks the same.
    const old = /^0?(1\d)(\d{7})$/.exec(national);
    const prefix = old ? EGYPT_RENUMBERED[old[1] as string] : undefined;
    const then = old && prefix ? parse(`+${EGYPT}${prefix}${old[2] as string}`, undefined, input) : undefined;
    if (then === undefined || !then.ok || !then.check.valid) return undefined;
    return failure(
      'PHONE_INVALID',
      input,
      `not a valid number for EG: Egyptian mobiles have had 11 digits since October 2011 (${then.number.number}, if this is a number from before then)`,
    );
  } else return undefined;
  if (now === undefined) return undefined;
  const attempt = parse(`+${code}${now}`, undefined, input);
  if (!attempt.ok || !attempt.check.valid) return undefined;
  return noted(attempt, text, input, country, options, (e164) => {
    return `mobile ${echo(input)}: ${change}; read as ${e164}`;
  });
}

/** A `(0)` right after the calling code (`+48 (0) 601 234 567`), as business cards write it. */
const ZERO_AFTER_CALLING_CODE = /^(?:\+|00)\s*(\d{1,3})\s*\(\s*0\s*\)\s*/;

/**
 * The valid number `text` is without its {@link ZERO_AFTER_CALLING_CODE} `(0)`, when that number has
 * the calling code written before the `(0)`; `undefined` otherwise.
 */
function withoutZero(text: string, input: string): { code: string; reading: ParsedNumber } | undefined {
  const zero = ZERO_AFTER_CALLING_CODE.exec(text);
  if (zero === null) return undefined;
  const code = zero[1] as string;
  const reading = parse(`+${code} ${text.slice(zero[0].length)}`, undefined, input);
  if (!reading.ok || !reading.check.valid || reading.number.countryCallingCode !== code) return undefined;
  return { code, reading };
}

/**
 * A number not valid as written, with a prefix in front that is no longer (or never was) dialled,
 * and valid without it: that number, and the row's message says which prefix was dropped.
 * - `+48 (0) 601 234 567`, `+39 (0)347…`: a `(0)` after a calling code whose numbers have no
 *   trunk 0 (libphonenumber drops it where they have one: `+44 (0)7911…`). An Italian landline
 *   keeps its 0 (`+39 (0)2 1234 5678` is valid as written, and read so);
 * - `+91 919876543210`: the calling code written twice ({@link CALLING_CODE_TWICE});
 * - a former numbering's number ({@link formerNumbering}: Benin, Chile, Egypt, Côte d'Ivoire);
 * - `+07911 123456`: a `+` before a national number, read in the row's country;
 * - `044 55 1234 5678`, `045…`, `01…` in Mexico ({@link MEXICAN_OLD_PREFIX});
 * - `8 050 123 45 67`, `8 (050) 123-45-67` in Ukraine and the other {@link OLD_TRUNK_8} countries.
 */
function withoutOldPrefix(
  text: string,
  input: string,
  country: ResolvedCountry | undefined,
  options: PhoneOptions,
): PhoneResult | undefined {
  if (ZERO_AFTER_CALLING_CODE.test(text)) {
    const without = withoutZero(text, input);
    if (without === undefined) return undefined;
    return noted(without.reading, text, input, country, options, (e164) => {
      return `mobile ${echo(input)}: the (0) after +${without.code} is not dialled; read as ${e164}`;
    });
  }
  const twice = CALLING_CODE_TWICE.exec(text.replace(/[^\d+]/g, ''));
  if (twice) {
    const code = twice[1] as string;
    const attempt = parse(`+${code}${twice[2] as string}`, undefined, input);
    if (attempt.ok && attempt.check.valid && attempt.number.countryCallingCode === code)
      return noted(attempt, text, input, country, options, (e164) => {
        return `mobile ${echo(input)}: the calling code +${code} seems written twice; read as ${e164}`;
      });
  }
  const renumbered = formerNumbering(text, input, country, options);
  if (renumbered) return renumbered;
  if (country === undefined) return undefined;
  if (PLUS_BEFORE_TRUNK_0.test(text)) {
    const national = text.replace(/^\+\s*/, '');
    const attempt = parse(national, country, input);
    if (!attempt.ok || !attempt.check.valid) return undefined;
    // `+044 7911 123456`: a 0 too many before the calling code, as much as a + too many.
    const foreign = parse(`+${national.replace(/^\(?0/, '')}`, undefined, input);
    if (foreign.ok && foreign.check.valid && foreign.number.number !== attempt.number.number)
      return failure(
        'PHONE_INVALID',
        input,
        `a national number${countryLabel(country, 'of')} with a + too many (${attempt.number.number}), or ${foreign.number.number} with a 0 too many: write it without the + or without the 0`,
      );
    return noted(attempt, national, input, country, options, (e164) => {
      return `mobile ${echo(input)}: a + before a national number (no calling code starts with 0) is not dialled; read as ${e164}`;
    });
  }
  if (!DIGITS_ONLY.test(text)) return undefined;
  const digits = text.replace(/\D/g, '');
  if (callingCodeOf(country) === MEXICO) {
    const national = MEXICAN_OLD_PREFIX.exec(digits)?.[1];
    if (national === undefined) return undefined;
    const attempt = parse(`+${MEXICO}${national}`, undefined, input);
    if (!attempt.ok || !attempt.check.valid) return undefined;
    const prefix = digits.slice(0, digits.length - national.length);
    return noted(attempt, text, input, country, options, (e164) => {
      return `mobile ${echo(input)}: Mexico's dialling prefix ${prefix} is no longer used (dropped in 2019); read as ${e164}`;
    });
  }
  if (country.iso !== undefined && OLD_TRUNK_8.has(country.iso) && digits.startsWith('8')) {
    const attempt = parse(digits.slice(1), country, input);
    if (!attempt.ok || !attempt.check.valid || attempt.number.countryCallingCode !== callingCodeOf(country))
      return undefined;
    return noted(attempt, text, input, country, options, (e164) => {
      return `mobile ${echo(input)}: the long-distance 8 in front is no longer dialled${countryLabel(country).replace(' for', ' in')}; read as ${e164}`;
    });
  }
  return undefined;
}

/**
 * The refusal of a `(0)` after a calling code that makes a landline (`attempt`) of what without
 * it is a mobile: `+39 (0)351 234 5678`. Italy's landlines keep their 0 after +39 and its mobiles
 * have none, and the business-card `(0)` is written before both, so neither reading is sure (a
 * Bergamo landline `+39 (0)35 …` is as likely as an Iliad mobile). `undefined` otherwise.
 */
function zeroOrNot(text: string, input: string, attempt: ParsedNumber): PhoneResult | undefined {
  const without = withoutZero(text, input);
  if (without === undefined || without.code !== attempt.number.countryCallingCode) return undefined;
  if (!isMobileType(without.reading.check.type)) return undefined;
  return failure(
    'PHONE_INVALID',
    input,
    `with its (0) ${TYPE_NAMES[attempt.check.type ?? 'FIXED_LINE'] ?? 'no mobile'} (${attempt.number.number}), without it a mobile (${without.reading.number.number}): write the number without (0) if it is the mobile, or with 0 and no brackets if not`,
  );
}

/** Vietnam's calling code, and its 11-digit mobiles' prefixes (without the 0) → their 2018 ones. */
const VIETNAM = '84';
// prettier-ignore
const VIETNAM_RENUMBERED: Readonly<Record<string, string>> = {
  '120': '70', '121': '79', '122': '77', '126': '76', '128': '78',
  '123': '83', '124': '84', '125': '85', '127': '81', '129': '82',
  '162': '32', '163': '33', '164': '34', '165': '35', '166': '36', '167': '37', '168': '38', '169': '39',
  '186': '56', '188': '58', '199': '59',
};
const VIETNAM_OLD_MOBILE = /^(1\d\d)(\d{7})$/;

/**
 * `0168 123 4567`, `+84 128 787 8888`, `841681234567`: an 11-digit Vietnamese mobile of before its
 * renumbering (15 September 2018 to 30 June 2019: the first three digits changed, the last seven
 * kept; 0168 → 038, 0128 → 078, 0199 → 059...), which libphonenumber no longer knows: the number
 * it is now, and the row's message says so. Old CRM exports are full of them (60 million
 * subscribers were renumbered).
 */
function vietnameseMobileRenumbered(
  text: string,
  input: string,
  attempt: ParseAttempt,
  country: ResolvedCountry | undefined,
  options: PhoneOptions,
): PhoneResult | undefined {
  const parts = firstMatch(VIETNAM_OLD_MOBILE, nationalDigitsOf(VIETNAM, text, attempt, country));
  const prefix = parts ? VIETNAM_RENUMBERED[parts[1] as string] : undefined;
  if (parts === null || prefix === undefined) return undefined;
  const now = parse(`+${VIETNAM}${prefix}${parts[2] as string}`, undefined, input);
  if (!now.ok || !now.check.valid || now.check.type !== 'MOBILE') return undefined;
  return noted(now, text, input, country, options, (e164) => {
    return `mobile ${echo(input)}: Vietnam's 11-digit mobiles were renumbered in 2018; read as ${e164}`;
  });
}

/** Brazil's calling code; an area code and a mobile's 8 digits from before the 9th was added. */
const BRAZIL = '55';
const BRAZILIAN_8_DIGIT = /^([1-9]{2})([6-9]\d{7})$/;

/**
 * The number with a 9 after its area code when `attempt` is an 8-digit Brazilian mobile
 * (`+55 92 8172 3241`, an old WhatsApp id) and that is a valid mobile; said in the refusal rather
 * than done, as the number the person wrote is not the one that would be sent.
 */
function brazilianMobileWithNinthDigit(
  text: string,
  attempt: ParseAttempt,
  country: ResolvedCountry | undefined,
): string | undefined {
  const parts = firstMatch(BRAZILIAN_8_DIGIT, nationalDigitsOf(BRAZIL, text, attempt, country));
  if (!parts) return undefined;
  const ninth = parse(`+${BRAZIL}${parts[1] as string}9${parts[2] as string}`, undefined, text);
  return ninth.ok && ninth.check.type === 'MOBILE' ? ninth.number.number : undefined;
}

/**
 * A national reading that is not a mobile (a landline, a voicemail number), of digits that read as
 * international are a mobile: that mobile, and the row's message says so. Digits that start with
 * the country's own calling code may be written with punctuation (`49 151 23456789`). Another
 * country's only where the country's plan is open ({@link OPEN_PLANS}: nearly any digits are one of
 * its landlines, `447911123456` in Germany), written unbroken or with the calling code as their
 * first group (`44 7911 123456`), and never ten digits of the North American plan (`659 123 4567`
 * is Alabama's). Elsewhere a landline written without its 0 (`4541234567`, Giresun in Turkey, from
 * an Excel number cell) stays that landline, however many foreign mobiles its digits make.
 */
function mobileWithCallingCode(
  text: string,
  input: string,
  country: ResolvedCountry,
  type: NonNullable<NumberType>,
  options: PhoneOptions,
): PhoneResult | undefined {
  const digits = internationalDigits(text);
  if (digits === undefined) return undefined;
  const own = callingCodeOf(country);
  if (!digits.startsWith(own)) {
    if (country.iso === undefined || !OPEN_PLANS.has(country.iso)) return undefined;
    if (wholeNanpNumber(digits, country)) return undefined;
  }
  const attempt = parse(`+${digits}`, undefined, input);
  if (
    !digits.startsWith(own) &&
    !(attempt.ok && writtenWithCallingCode(text, attempt.number.countryCallingCode))
  )
    return undefined;
  if (!attempt.ok || !attempt.check.valid || !isMobileType(attempt.check.type) || attempt.number.ext)
    return undefined;
  const mobile = attempt.check.type === 'MOBILE' ? 'a mobile' : 'possibly a mobile';
  return noted(attempt, text, input, country, options, (e164) => {
    return `mobile ${echo(input)} read as international (${e164}), ${mobile}, rather than as ${TYPE_NAMES[type] ?? 'a number'}${countryLabel(country, 'of')}`;
  });
}

/**
 * `65 9123 4567` or `6591234567` in an Indonesian row: as written, a landline of the row's country
 * whose trunk 0 was left out (+62 659 1234 567); with a `+` left out, Singapore's mobile
 * (+65 9123 4567). Nothing tells them apart, and sending to the landline would lose the contact:
 * refused naming both. Only digits as Excel and Brevo write them or whose first group is the other
 * calling code ({@link writtenWithCallingCode}), only where the row's country dials a trunk prefix
 * the text does not start with (in Greece or Spain, where landlines have none, `2410 123456` is a
 * landline as written), and not in the open plans, whose rule takes the mobile
 * ({@link mobileWithCallingCode}). Measured over 1,500 random landlines of each country written
 * unbroken without their trunk 0: 0.7–5.7% are also a foreign mobile (Turkey's most; Indonesia
 * 1.8%); these are refused too, and a foreign mobile is no longer sent to a landline.
 */
function landlineOrForeignMobile(
  text: string,
  input: string,
  attempt: ParsedNumber,
  country: ResolvedCountry,
): PhoneResult | undefined {
  if (country.iso === undefined || OPEN_PLANS.has(country.iso)) return undefined;
  const trunk = trunkPrefixOf(country.iso);
  if (trunk === undefined || text.startsWith(trunk)) return undefined;
  const digits = internationalDigits(text);
  if (digits === undefined || digits.startsWith(callingCodeOf(country))) return undefined;
  if (wholeNanpNumber(digits, country)) return undefined;
  const foreign = parse(`+${digits}`, undefined, input);
  if (!foreign.ok || !foreign.check.valid || !isMobileType(foreign.check.type) || foreign.number.ext)
    return undefined;
  if (!writtenWithCallingCode(text, foreign.number.countryCallingCode)) return undefined;
  const landline = TYPE_NAMES[attempt.check.type ?? 'FIXED_LINE'] ?? 'no mobile';
  const mobile = foreign.check.type === 'MOBILE' ? 'a mobile' : 'possibly a mobile';
  return failure(
    'PHONE_INVALID',
    input,
    `as written ${landline}${countryLabel(country, 'of')} without its trunk ${trunk} (${attempt.number.number}), or with its + left out ${mobile}${foreignLabel(foreign)} (${foreign.number.number}): write the number with + if it is the mobile, or with ${trunk} if not`,
  );
}

/** {@link countryLabel} with `of` for a parsed number's own country, else its calling code. */
function foreignLabel(reading: ParsedNumber): string {
  const { country, countryCallingCode } = reading.number;
  return countryLabel(country !== undefined ? { iso: country } : { callingCode: countryCallingCode }, 'of');
}

/**
 * Countries whose landlines take nearly any length, so that a foreign number written without its
 * `+` is also one of them: Germany's and Austria's open plans, Italy's (and San Marino's and the
 * Vatican's, in it). Measured over 24 countries' mobiles written so, only these misread them.
 */
const OPEN_PLANS: ReadonlySet<string> = new Set(['DE', 'AT', 'IT', 'SM', 'VA']);

/** A type whose numbers may take an SMS. */
function isMobileType(type: NumberType): boolean {
  return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE';
}

const TYPE_NAMES: Partial<Record<NonNullable<NumberType>, string>> = {
  FIXED_LINE: 'a landline',
  VOICEMAIL: 'a voicemail number',
  TOLL_FREE: 'a toll-free number',
  PREMIUM_RATE: 'a premium-rate number',
  SHARED_COST: 'a shared-cost number',
  PERSONAL_NUMBER: 'a personal number',
  UAN: 'a UAN number',
  VOIP: 'a VoIP number',
  PAGER: 'a pager number',
};

/** Trunk prefixes of two digits that start with 0 (libphonenumber strips them whole). */
const TWO_DIGIT_TRUNK: Readonly<Partial<Record<CountryCode, string>>> = { HU: '06' };

function leadingZeroRestored(
  text: string,
  iso: CountryCode,
  input: string,
  options: PhoneOptions,
): PhoneResult | undefined {
  const country: ResolvedCountry = { iso };
  // Digits that are a valid number as written are read so: the same number with a 0 (an Indian
  // mobile `7571869952`), or another one that never had a 0 (the Italian mobile `3931234567`,
  // not the Monza landline 039 3123 4567).
  const asWritten = parse(text, country, input);
  if (asWritten.ok && asWritten.check.valid) return undefined;
  const withZero = parse(`0${text}`, country, input);
  if (!withZero.ok || !withZero.check.valid) return undefined;
  // Every digit written stays in the number: a 0 before `436641234567` (an Austrian mobile without
  // its +) reads `43` as a Brazilian carrier code, and the rest as a landline of Brazil.
  const national = withZero.number.nationalNumber;
  // Hungary's trunk prefix is 06: `6201234567` lost the 0 of `06 20 123 4567`.
  const trunk = TWO_DIGIT_TRUNK[iso];
  if (
    national !== text &&
    national !== `0${text}` &&
    (trunk === undefined || `0${text}` !== trunk + national)
  )
    return undefined;
  // A 0 that makes an international prefix (Mexico's `09…`) dials another country: not restored.
  if (withZero.number.countryCallingCode !== getCountryCallingCode(iso)) return undefined;
  return noted(withZero, text, input, country, options, (e164) => {
    return `mobile ${echo(input)}: the leading 0 was missing (Excel stored it as a number); read as 0${text} (${e164})`;
  });
}

/**
 * Argentina's mobiles share their numbers with its landlines and are told apart by a 9 after +54
 * (or 15 after the area code, dialled at home); `+54 11 2345 6789` is the landline. When the
 * number with the 9 is a mobile, a refusal for a landline says how the mobile is written.
 */
function argentineMobileHint(number: PhoneNumber, input: string): string {
  if (number.country !== 'AR') return '';
  const mobile = parse(`+549${number.nationalNumber}`, undefined, input);
  if (!mobile.ok || !mobile.check.valid || mobile.check.type !== 'MOBILE') return '';
  return `; if it is a mobile, write it with 9 after +54 (${mobile.number.number}), or with 15 after the area code`;
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
      `not a mobile number (fixed line${number.country ? `, ${number.country}` : ''})${argentineMobileHint(number, input)}`,
    );
  }
  // The source's country when the number is valid in it (see contactCountry), else the number's.
  const numberCountry = contactCountry(number.country, country);
  const result: PhoneResult =
    numberCountry === undefined
      ? { ok: true, e164: number.number }
      : { ok: true, e164: number.number, country: numberCountry };
  // A landline, and any number that is no mobile (VoIP, toll-free, UAN, shared cost...): a cell's
  // mobile listed after one of them is taken before it.
  if (check.type !== undefined && !isMobileType(check.type)) result.fixedLine = true;
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
  // The row's country when the number has its calling code (`996 997 11` in Kazakhstan is too
  // short for KZ, not for RU, the main country libphonenumber names for +7); else the number's.
  const where =
    country?.iso !== undefined && getCountryCallingCode(country.iso) === number.countryCallingCode
      ? ` for ${country.iso}`
      : number.country !== undefined
        ? ` for ${number.country}`
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

function countryLabel(country: ResolvedCountry | undefined, preposition: 'for' | 'of' = 'for'): string {
  if (country === undefined) return '';
  return ` ${preposition} ${country.iso !== undefined ? country.iso : `+${country.callingCode}`}`;
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
  /** The indexes of the numbers known to be landlines or other non-mobiles ({@link PhoneResult} `fixedLine`). */
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
