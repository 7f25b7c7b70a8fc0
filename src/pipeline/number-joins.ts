/**
 * "or" between two numbers of a cell, in the languages of the exports we read (English, German,
 * French and Portuguese, Spanish and Italian, Dutch, the Nordic languages, Finnish, Polish, Czech,
 * Slovak, Hungarian, Romanian, Turkish, Russian and Bulgarian, Ukrainian, Greek):
 * `0151 1234567 oder 030 123456`, `11 91234-5678 ou 11 3456-7890`.
 */
export const OR_WORDS = [
  'or',
  'oder',
  'ou',
  'o',
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
] as const;
/** {@link OR_WORDS} as a regular expression group (use with the `i` flag). */
export const OR_WORD = `(?:${OR_WORDS.join('|')})`;
