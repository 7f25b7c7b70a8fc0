/**
 * "or" between two numbers of a cell, in the languages of the exports we read (English, German,
 * French and Portuguese, Spanish and Italian, Dutch, the Nordic languages, Finnish, Polish, Czech,
 * Slovak, Hungarian, Romanian, Turkish, Russian and Bulgarian, Ukrainian, Greek, Croatian and
 * Serbian, the Baltic languages, Indonesian and Malay, Vietnamese):
 * `0151 1234567 oder 030 123456`, `11 91234-5678 ou 11 3456-7890`, `0151 1234567 bzw. 030 123456`
 * (German's "or rather"), `3 ó 4` (Spanish's accent between figures).
 */
export const OR_WORDS = [
  'or',
  'oder',
  'bzw.',
  'ou',
  'o',
  'ó',
  'oppure',
  'of',
  'eller',
  'tai',
  'lub',
  'albo',
  'nebo',
  'alebo',
  'vagy',
  'sau',
  'veya',
  'или',
  'або',
  'ή',
  'ili',
  'arba',
  'vai',
  'või',
  'atau',
  'hoặc',
] as const;
/** {@link OR_WORDS} as a regular expression group (use with the `i` flag). */
export const OR_WORD = `(?:${OR_WORDS.map((word) => word.replace('.', '\\.')).join('|')})`;

/** What starts an extension after a number (`ext 12345`, `ext=12345`, `extn. 12`, `x12345`, `#12`). */
const EXTENSION_MARK = String.raw`(?:ext\b|extn?\.|extension\b|x\s*\d|#)`;

/** A part of a phone cell that is an extension, not a number of its own. */
export const EXTENSION = new RegExp(`^${EXTENSION_MARK}`, 'i');

/**
 * A `|` or a line break just before an extension (`+1 415 555 2671 | ext 12345`): it joins the
 * extension to its number as `, ` does, so the number is refused for its extension rather than
 * for "letters".
 */
export const BREAK_BEFORE_EXTENSION = new RegExp(String.raw`\s*[|\r\n]+\s*(?=${EXTENSION_MARK})`, 'i');
