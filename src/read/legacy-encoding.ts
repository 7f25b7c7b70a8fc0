/**
 * Sources that are not Unicode: the code page Excel and Outlook write a CSV in is the Windows
 * system's ("ANSI"): windows-1252 in Western Europe and the Americas, windows-1250 in Poland,
 * Czechia or Romania, windows-1251 where Cyrillic is written, windows-1253 in Greece, 1254 in
 * Turkey, 1257 in the Baltics, Shift_JIS in Japan, GBK in China, Big5 in Taiwan, EUC-KR in Korea.
 * Read in the wrong one, every name with a letter outside ASCII reaches Sakari garbled
 * (`Łukasz` as `£ukasz`, `Иван` as `Èâàí`), while the numbers, all ASCII, import fine.
 *
 * What is guessed, and how ({@link guessLegacyEncoding}):
 * - Single-byte code pages by the words they make: a name read in the right code page is letters
 *   of one script, cased as names are, using the letters of one language of that code page; read in
 *   a wrong one it has symbols inside words (`Micha³`), words made only of accented Latin letters
 *   (`Èâàí`), or letters no single language writes together. chardet's statistics, made for prose,
 *   misread contact lists (a Russian list as ISO-8859-1, Portuguese as windows-1251), so these
 *   rules are ours. windows-1252 stays the choice unless another code page is clearly better: a
 *   Western list is never re-read. Known limits: Hungarian (`ő ű` are `õ û` in windows-1252, which
 *   Portuguese writes) and a list with one or two accented names may stay windows-1252;
 *   `--encoding` fixes both.
 * - Multibyte code pages (CJK) first, by chardet, whose character statistics tell them apart, when
 *   it is confident and the reading is the code page's own script.
 */
import chardet from 'chardet';
import type { SourceEncoding } from './types.js';

/** The code pages guessed from the bytes, windows-1252 first (it wins ties). */
const SINGLE_BYTE_CANDIDATES = [
  'windows-1252',
  'macintosh',
  'windows-1250',
  'windows-1251',
  // Before Greek, which reads Hebrew's bytes as lower-case Greek letters as plausible (a tie).
  'windows-1255',
  'windows-1253',
  'windows-1254',
  'windows-1256',
  'windows-1257',
] as const;

type SingleByteCandidate = (typeof SINGLE_BYTE_CANDIDATES)[number];

/**
 * The letters outside ASCII each language of a Latin code page writes (lower case). A word is
 * plausible in a code page when one of its languages writes all of its letters.
 */
// prettier-ignore
const WESTERN: Readonly<Record<string, string>> = {
  de: 'äöüß', fr: 'àâæçéèêëîïôœùûüÿ', es: 'áéíñóúü', pt: 'áâãàçéêíóôõú', it: 'àèéìíîòóù',
  nl: 'áäéëíïóöúü', ca: 'àçèéíïòóúü', sv: 'åäöé', da: 'æøåé', fi: 'äöå', is: 'áðéíóúýþæö',
};
const LATIN_LANGUAGES: Readonly<Partial<Record<SingleByteCandidate, Readonly<Record<string, string>>>>> = {
  'windows-1252': WESTERN,
  macintosh: WESTERN,
  // prettier-ignore
  'windows-1250': {
    pl: 'ąćęłńóśźż', cs: 'áčďéěíňóřšťúůýž', sk: 'áäčďéíĺľňóôŕšťúýž', hu: 'áéíóöőúüű', ro: 'ăâîşţ',
    hr: 'čćđšž', sq: 'çë',
  },
  'windows-1254': { tr: 'çğıöşüâîû' },
  'windows-1257': { et: 'äõöüšž', lv: 'āčēģīķļņšūž', lt: 'ąčęėįšųūž' },
};
/** The script every word of a non-Latin code page is written in. */
const SCRIPTS: Readonly<Partial<Record<SingleByteCandidate, string>>> = {
  'windows-1251': 'Cyrillic',
  'windows-1253': 'Greek',
  'windows-1255': 'Hebrew',
  'windows-1256': 'Arabic',
};
const SCRIPT_PATTERNS: ReadonlyArray<[string, RegExp]> = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
];

/** The vowels of the alphabets whose words always have one. */
const VOWELS: Readonly<Record<string, RegExp>> = {
  Cyrillic: /[аеёиоуыэюяіїєўАЕЁИОУЫЭЮЯІЇЄЎ]/u,
  Greek: /[αεηιουωάέήίόύώϊϋΐΰΑΕΗΙΟΥΩΆΈΉΊΌΎΏΪΫ]/u,
};

/** The multibyte code pages chardet may name, by the WHATWG name they are decoded with. */
const MULTIBYTE: Readonly<Record<string, string>> = {
  Shift_JIS: 'shift_jis',
  'EUC-JP': 'euc-jp',
  GB18030: 'gb18030',
  Big5: 'big5',
  'EUC-KR': 'euc-kr',
};
/**
 * chardet's confidence (0–100) from which its multibyte answer is taken: 52–100 on CJK lists of
 * 10–200 rows, never above 10 on single-byte ones.
 */
const MULTIBYTE_CONFIDENCE = 50;
/**
 * The least confidence of chardet's from which a CJK reading is considered: what it gives a list too
 * short for its statistics, taken only when nothing else reads ({@link onlyMostConfident}).
 */
const MIN_MULTIBYTE_CONFIDENCE = 10;
/** The least share of a reading in its own script: a name list in CJK is nearly all of it. */
const MIN_OWN_SCRIPT_SHARE = 0.8;
/**
 * The script each CJK code page writes names in. Not half-width katakana: Shift_JIS spends the
 * bytes 0xA1–0xDF on them, which a Cyrillic code page (KOI8-R) fills with letters.
 */
const OWN_SCRIPT: Readonly<Record<string, RegExp>> = {
  shift_jis: /(?![\uff61-\uff9f])[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー]/u,
  'euc-jp': /(?![\uff61-\uff9f])[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー]/u,
  gb18030: /\p{Script=Han}/u,
  big5: /\p{Script=Han}/u,
  'euc-kr': /\p{Script=Hangul}/u,
};

/** Distinct words looked at: plenty to decide, and a bounded cost on a large head. */
const MAX_WORDS = 5_000;
/** A word some other code page reads better costs this much more than a word it reads worse. */
const BAD_WORD_COST = 2;
/** A plausible word no single language of the code page explains counts this much against it. */
const UNEXPLAINED_WORD_COST = 0.5;
/** How much better than windows-1252 another code page must read: at least 2 words, or 10% of them. */
const MIN_LEAD_WORDS = 2;
const MIN_LEAD_SHARE = 0.1;
/** A non-Latin code page must read this share of the words as plausible words of its script. */
const MIN_SCRIPT_SHARE = 0.8;
/** A Latin code page other than windows-1252 must explain this share of its plausible words with one language. */
const MIN_LATIN_COVER = 0.9;
/** Words windows-1252 makes that are no name's, beyond the other code page's: it misreads them. */
const MIN_MISREAD_WORDS = 2;
/**
 * Below this share of words each written by some Western language, windows-1252 misreads them. Every
 * Western list measured (single languages and mixes of two or three) had all of its words so; Czech,
 * Romanian, Croatian, Serbian, Turkish and Baltic lists 43–86%. A Hungarian list has all of them (its
 * `ő ű` are `õ û` there), and a short Turkish one may: those stay windows-1252.
 */
const MAX_WESTERN_EACH_COVER = 0.95;

/** Where words break: spaces, punctuation (quotes and dashes too), currency signs. */
const WORD_BREAK = /[\p{P}\p{Sc}\p{Z}]+/u;
const LETTER_OR_MARK = /^[\p{L}\p{M}]$/u;
const MARK = /^\p{M}$/u;
const NON_ASCII = /[^\p{ASCII}]/u;

/**
 * Bytes 0–255 as each candidate decodes them. Decoded as a stream: Node 20's one-shot decode of
 * windows-1252 reads 0x80–0x9F as C1 controls instead of `€ ‚ … “ ”` (see `vcard.ts`).
 */
const TABLES: ReadonlyMap<SingleByteCandidate, readonly string[]> = new Map(
  SINGLE_BYTE_CANDIDATES.map((label) => {
    const decoder = new TextDecoder(label);
    const all = Uint8Array.from({ length: 256 }, (_, byte) => byte);
    return [label, [...(decoder.decode(all, { stream: true }) + decoder.decode())]];
  }),
);

/**
 * The encoding `head` (bytes that are not UTF-8) is most likely in: a single-byte code page, or a
 * multibyte one chardet is confident of; windows-1252 when nothing reads clearly better.
 */
export function guessLegacyEncoding(head: Uint8Array): string {
  const readings = multibyteReadings(head);
  const multibyte = mostOwnScript(readings.filter((reading) => reading.confidence >= MULTIBYTE_CONFIDENCE));
  if (multibyte !== undefined) return multibyte;
  const words = highWords(head);
  const scores = new Map(SINGLE_BYTE_CANDIDATES.map((label) => [label, scoreOf(label, words)]));
  const western = scores.get('windows-1252') as CodePageScore;
  const lead = Math.max(MIN_LEAD_WORDS, MIN_LEAD_SHARE * western.words);
  let best: SingleByteCandidate = 'windows-1252';
  for (const [label, score] of scores) {
    if (label === 'windows-1252' || score.score <= (scores.get(best) as CodePageScore).score) continue;
    // Mac Roman is windows-1252's twin for the same languages: a reading one word better is enough.
    const clearly = score.score >= western.score + (label === 'macintosh' ? 1 : lead);
    const latin = LATIN_LANGUAGES[label] !== undefined && label !== 'macintosh';
    if (clearly && score.score > 0 && (!latin || otherLatinReading(score, western))) best = label;
  }
  // No single-byte reading makes sense of the words (a short list of CJK names, where chardet's
  // statistics have little to go on): a CJK one that reads nearly all of it in its own script.
  if (best === 'windows-1252' && western.score <= 0) return onlyMostConfident(readings) ?? best;
  return best;
}

/** A CJK code page chardet names for a head, and how much of the head it reads in its own script. */
interface MultibyteReading {
  label: string;
  confidence: number;
  share: number;
}

/**
 * The CJK code pages chardet names with at least {@link MIN_MULTIBYTE_CONFIDENCE} (its statistics
 * never rate a single-byte list above 10 for one) whose reading is mostly their own script (at
 * least {@link MIN_OWN_SCRIPT_SHARE} of the characters outside ASCII), in chardet's order.
 */
function multibyteReadings(head: Uint8Array): MultibyteReading[] {
  const readings: MultibyteReading[] = [];
  for (const match of chardet.analyse(head)) {
    const label = MULTIBYTE[match.name];
    if (label === undefined || match.confidence < MIN_MULTIBYTE_CONFIDENCE) continue;
    const share = ownScriptShare(head, label);
    if (share >= MIN_OWN_SCRIPT_SHARE) readings.push({ label, confidence: match.confidence, share });
  }
  return readings;
}

/**
 * The reading most in its own script: GBK text is valid EUC-KR, Big5 valid GBK, and chardet may
 * rate the wrong one higher (a list of Chinese names: EUC-KR 74, GB18030 60).
 */
function mostOwnScript(readings: readonly MultibyteReading[]): string | undefined {
  let best: MultibyteReading | undefined;
  for (const reading of readings) if (best === undefined || reading.share > best.share) best = reading;
  return best?.label;
}

/**
 * chardet's single most confident reading, for a list too short for its statistics: two rows of
 * Korean, which chardet rates 10 as EUC-KR, EUC-JP, Big5 and GBK alike, are left alone.
 */
function onlyMostConfident(readings: readonly MultibyteReading[]): string | undefined {
  const top = Math.max(...readings.map((reading) => reading.confidence));
  const most = readings.filter((reading) => reading.confidence === top);
  return most.length === 1 ? most[0]?.label : undefined;
}

/** The share of the characters outside ASCII that `label` reads in `head` as letters of its own script. */
function ownScriptShare(head: Uint8Array, label: string): number {
  const script = OWN_SCRIPT[label] as RegExp;
  // The head may end inside a character: that one is no evidence either way.
  const text = new TextDecoder(label).decode(head, { stream: true });
  let own = 0;
  let other = 0;
  for (const char of text) {
    if (char.charCodeAt(0) < 0x80) continue;
    if (script.test(char)) own++;
    else other++;
  }
  return own + other === 0 ? 0 : own / (own + other);
}

/**
 * Whether a Latin code page other than windows-1252 reads the words clearly better than windows-1252
 * (given it scores higher): one of its languages explains nearly all of them, and windows-1252 shows
 * it misreads them: words no name is (`Micha³`, `¯aneta`), or words no Western language writes
 * (`Dvoøák`: ø and á together). A Western list of several languages (Catalan and Spanish, Danish and
 * Dutch) has each word written in one of them: Slovak or Lithuanian, writing the letters they share,
 * explain more of it with one language, but it stays windows-1252.
 */
function otherLatinReading(score: CodePageScore, western: CodePageScore): boolean {
  if (score.cover < MIN_LATIN_COVER) return false;
  const misread =
    western.bad - score.bad >= MIN_MISREAD_WORDS ||
    (western.unexplained >= MIN_MISREAD_WORDS && western.eachCover < MAX_WESTERN_EACH_COVER);
  return misread;
}

interface CodePageScore {
  /** Words explained by the code page's best language (or script), less the costs. */
  score: number;
  /** The share of the plausible words that language explains. */
  cover: number;
  /** The share of the plausible words some language of the code page explains, each its own. */
  eachCover: number;
  /** The plausible words no language of the code page explains. */
  unexplained: number;
  /** Words no name is (symbols inside, impossible casing...). */
  bad: number;
  /** Distinct words read. */
  words: number;
}

/** The distinct runs of letters and bytes ≥ 0x80 that hold at least one byte ≥ 0x80, as latin1 strings. */
function highWords(bytes: Uint8Array): string[] {
  const words = new Set<string>();
  let start = -1;
  let high = false;
  for (let at = 0; at <= bytes.length && words.size < MAX_WORDS; at++) {
    const byte = at < bytes.length ? (bytes[at] as number) : 0;
    if (byte >= 0x80 || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)) {
      if (start < 0) {
        start = at;
        high = false;
      }
      if (byte >= 0x80) high = true;
      continue;
    }
    if (start >= 0 && high) words.add(Buffer.from(bytes.subarray(start, at)).toString('latin1'));
    start = -1;
  }
  return [...words];
}

function scoreOf(label: SingleByteCandidate, words: readonly string[]): CodePageScore {
  const table = TABLES.get(label) as readonly string[];
  const seen = new Set<string>();
  const plausible: Array<{ script: string; letters: Set<string> }> = [];
  let bad = 0;
  let punctuation = 0;
  for (const word of words) {
    let text = '';
    for (let at = 0; at < word.length; at++) text += table[word.charCodeAt(at)];
    punctuation += fittingPunctuation(text);
    for (const part of text.split(WORD_BREAK)) {
      if (part === '' || !NON_ASCII.test(part) || seen.has(part)) continue;
      seen.add(part);
      const reading = readWord(part);
      if (reading === undefined) bad++;
      else plausible.push(reading);
    }
  }
  let explained = 0;
  let eachExplained = 0;
  const script = SCRIPTS[label];
  if (script !== undefined) {
    explained = plausible.filter((word) => word.script === script).length;
    // Another code page's bytes make some plausible words by chance, and many implausible ones.
    if (explained < MIN_SCRIPT_SHARE * seen.size) explained = 0;
  } else {
    const alphabets = Object.values(LATIN_LANGUAGES[label] ?? {}).map((letters) => new Set(letters));
    const latin = plausible.filter((word) => word.script === 'Latin');
    const writes = (alphabet: Set<string>, word: { letters: Set<string> }): boolean =>
      [...word.letters].every((letter) => alphabet.has(letter));
    for (const alphabet of alphabets) {
      explained = Math.max(explained, latin.filter((word) => writes(alphabet, word)).length);
    }
    eachExplained = latin.filter((word) => alphabets.some((alphabet) => writes(alphabet, word))).length;
  }
  return {
    score:
      explained + punctuation - UNEXPLAINED_WORD_COST * (plausible.length - explained) - BAD_WORD_COST * bad,
    cover: plausible.length === 0 ? 0 : explained / plausible.length,
    eachCover: plausible.length === 0 ? 1 : eachExplained / plausible.length,
    unexplained: plausible.length - eachExplained,
    bad,
    words: seen.size,
  };
}

/**
 * Typographic punctuation where writers put it, in a run of letters and bytes ≥ 0x80 read in a
 * code page: an opening quote starting it (`“great`), a closing one ending it, an apostrophe
 * between letters (`O’Brien`), a dash, ellipsis, bullet or currency sign standing alone (`100 €`).
 * windows-1252 writes these with the bytes Mac Roman spends on `Ä ì î ë í ñ`: a note full of
 * quotes is no Mac Roman text.
 */
function fittingPunctuation(run: string): number {
  const chars = [...run];
  let count = 0;
  for (const [index, char] of chars.entries()) {
    if (char.charCodeAt(0) < 0x80) continue;
    const alone = chars.length === 1;
    const fits =
      (OPENING_QUOTES.includes(char) && index === 0 && !alone) ||
      (CLOSING_QUOTES.includes(char) && index === chars.length - 1 && !alone) ||
      (APOSTROPHES.includes(char) &&
        LETTER_OR_MARK.test(chars[index - 1] ?? '') &&
        LETTER_OR_MARK.test(chars[index + 1] ?? '')) ||
      (STANDALONE.includes(char) && alone) ||
      (TRAILING_SYMBOLS.includes(char) && (alone || index === chars.length - 1));
    if (fits) count++;
  }
  return count;
}
const OPENING_QUOTES = '‘“„‚«‹';
const CLOSING_QUOTES = '’”»›';
const APOSTROPHES = '’‘';
const STANDALONE = '–—…•€£¥¢½¼¾§¶';
/** Signs written after a word or alone (`Acme™`, `20°`, `m²`): bytes Mac Roman reads as letters. */
const TRAILING_SYMBOLS = '™®©°²³';

/**
 * A word as a name's word reads: letters (and marks) of one script; all lower case, all capitals,
 * or a capital then lower case; in Latin script, not only letters outside ASCII (`Èâàí`) from three
 * letters on. Its script and its letters outside ASCII (lower case), or `undefined` when implausible.
 */
function readWord(word: string): { script: string; letters: Set<string> } | undefined {
  const chars = [...word];
  let script: string | undefined;
  const letters = new Set<string>();
  let nonAscii = 0;
  let upperSeen = 0;
  let lowerSeen = 0;
  for (const [index, char] of chars.entries()) {
    if (!LETTER_OR_MARK.test(char)) return undefined;
    if (MARK.test(char)) continue;
    const own = SCRIPT_PATTERNS.find(([, pattern]) => pattern.test(char))?.[0];
    if (own === undefined || (script !== undefined && own !== script)) return undefined;
    script = own;
    const lower = char.toLowerCase();
    const upper = char.toUpperCase();
    if (lower !== upper) {
      if (char === upper) {
        // A capital after a small letter (`MŸller`, `ÈâàÍ`) is no name's casing.
        if (lowerSeen > 0) return undefined;
        if (index > 0 || upperSeen > 0) upperSeen++;
        else upperSeen = 1;
      } else {
        // Small letters after two capitals (`ÈÂàí`): no name's casing either.
        if (upperSeen > 1) return undefined;
        lowerSeen++;
      }
    }
    if (char.charCodeAt(0) >= 0x80) {
      nonAscii++;
      // `İ` lower-cases to `i` and a combining dot: the letter is the `i`.
      for (const part of lower) if (part.charCodeAt(0) >= 0x80 && !MARK.test(part)) letters.add(part);
    }
  }
  if (script === undefined) return undefined;
  if (script === 'Latin' && chars.length >= 3 && nonAscii === chars.length) return undefined;
  // Cyrillic and Greek words have vowels: another code page's bytes read so mostly do not (`јнпмб`).
  const vowels = VOWELS[script];
  if (vowels !== undefined && chars.length >= 3 && !chars.some((char) => vowels.test(char))) return undefined;
  // Greek's final sigma ends a word: inside one it is another code page's letter (Hebrew `ע`).
  if (script === 'Greek' && chars.slice(0, -1).includes('ς')) return undefined;
  return { script, letters };
}

/** The names the readers give the Unicode encodings `TextDecoder` knows (`SourceEncoding`). */
const UNICODE_NAMES: Readonly<Record<string, SourceEncoding>> = {
  'utf-8': 'utf8',
  'utf-16le': 'utf16le',
  'utf-16be': 'utf16be',
};

/**
 * The encoding a user named (`--encoding`) as the readers name it: any label `TextDecoder` knows
 * (`cp1251`, `windows-1250`, `sjis`, `gb2312`, `iso-8859-2`, `koi8-r`, `utf-8`), `latin1` kept
 * as itself, the Unicode ones by the readers' names (`utf8`); `undefined` for a label it does not
 * know, or one that is no text encoding.
 */
export function requestedEncoding(label: string): SourceEncoding | undefined {
  const trimmed = label.trim().toLowerCase();
  if (trimmed === 'latin1' || trimmed === 'macintosh') return trimmed;
  let name: string;
  try {
    name = new TextDecoder(trimmed).encoding;
  } catch {
    return undefined;
  }
  // `replacement` decodes nothing; x-user-defined is no code page anyone exports in.
  if (name === 'replacement' || name === 'x-user-defined') return undefined;
  return UNICODE_NAMES[name] ?? name;
}

/** How messages name an encoding: `UTF-8`, `Mac Roman`, else its WHATWG name (`windows-1250`). */
export function encodingName(encoding: SourceEncoding): string {
  return DISPLAY_NAMES[encoding] ?? encoding;
}

/** Who writes a guessed code page, for the pre-flight's warning (`windows-1250 (Central European Windows)`). */
export function encodingOrigin(encoding: SourceEncoding): string | undefined {
  return ORIGINS[encoding];
}

const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  utf8: 'UTF-8',
  utf16le: 'UTF-16LE',
  utf16be: 'UTF-16BE',
  macintosh: 'Mac Roman',
};

// prettier-ignore
const ORIGINS: Readonly<Record<string, string>> = {
  'windows-1252': 'Excel, Outlook on Windows', macintosh: 'Excel for Mac',
  'windows-1250': 'Central European Windows', 'windows-1251': 'Cyrillic Windows',
  'windows-1253': 'Greek Windows', 'windows-1254': 'Turkish Windows', 'windows-1255': 'Hebrew Windows',
  'windows-1256': 'Arabic Windows', 'windows-1257': 'Baltic Windows', shift_jis: 'Japanese Windows',
  'euc-jp': 'Japanese Unix', gb18030: 'Chinese Windows (GBK)', big5: 'Traditional Chinese Windows',
  'euc-kr': 'Korean Windows',
};
