/**
 * Turns the country a row or the user gives ("GB", "gb", "United Kingdom", "UK", "Deutschland",
 * "+44") into what libphonenumber-js needs to read a national number: an ISO 3166-1 alpha-2 code
 * it supports, or a calling code.
 */
import { getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';

/** A recognised country: an ISO code, or only a calling code when the value was one ("+44", "1"). */
export type ResolvedCountry =
  { iso: CountryCode; callingCode?: undefined } | { iso?: undefined; callingCode: string };

const SUPPORTED: readonly CountryCode[] = getCountries();
const SUPPORTED_SET: ReadonlySet<string> = new Set(SUPPORTED);
const CALLING_CODES: ReadonlySet<string> = new Set(SUPPORTED.map((iso) => getCountryCallingCode(iso)));

/**
 * Names and abbreviations people write that neither ISO alpha-2 nor the English names from
 * `Intl.DisplayNames` cover: common alpha-3 codes, endonyms, historic and informal names.
 */
// prettier-ignore
const COUNTRY_ALIASES: Readonly<Record<string, CountryCode>> = {
  uk: 'GB', gbr: 'GB', 'great britain': 'GB', britain: 'GB', england: 'GB', scotland: 'GB', wales: 'GB',
  'northern ireland': 'GB', 'united kingdom of great britain and northern ireland': 'GB',
  usa: 'US', 'united states of america': 'US', america: 'US',
  deu: 'DE', deutschland: 'DE', brd: 'DE',
  fra: 'FR', esp: 'ES', espana: 'ES', ita: 'IT', italia: 'IT',
  nld: 'NL', nederland: 'NL', holland: 'NL', 'the netherlands': 'NL',
  bel: 'BE', belgique: 'BE', belgie: 'BE', che: 'CH', schweiz: 'CH', suisse: 'CH', svizzera: 'CH',
  aut: 'AT', osterreich: 'AT', oesterreich: 'AT', prt: 'PT', irl: 'IE', eire: 'IE', 'republic of ireland': 'IE',
  swe: 'SE', sverige: 'SE', nor: 'NO', norge: 'NO', dnk: 'DK', danmark: 'DK', fin: 'FI', suomi: 'FI',
  pol: 'PL', polska: 'PL', 'czech republic': 'CZ', cze: 'CZ', grc: 'GR', hellas: 'GR', ellada: 'GR',
  bra: 'BR', brasil: 'BR', mex: 'MX', mexico: 'MX', arg: 'AR', can: 'CA', aus: 'AU', nzl: 'NZ', aotearoa: 'NZ',
  ind: 'IN', bharat: 'IN', zaf: 'ZA', rsa: 'ZA', chn: 'CN', jpn: 'JP', nippon: 'JP', nihon: 'JP',
  kor: 'KR', korea: 'KR', 'republic of korea': 'KR', rus: 'RU', 'russian federation': 'RU',
  uae: 'AE', are: 'AE', turkey: 'TR', turkiye: 'TR', tur: 'TR', 'ivory coast': 'CI', burma: 'MM',
  'hong kong': 'HK', macau: 'MO', macao: 'MO', palestine: 'PS', vatican: 'VA', 'holy see': 'VA',
  sgp: 'SG', nga: 'NG', ken: 'KE', egy: 'EG', isr: 'IL', sau: 'SA', 'saudi arabia': 'SA', phl: 'PH', idn: 'ID',
  // ISO 3166's own short names, as country pick-lists and CRMs write them.
  'korea, republic of': 'KR', 'korea, south': 'KR', "korea, democratic people's republic of": 'KP',
  'korea, north': 'KP', 'viet nam': 'VN', 'iran, islamic republic of': 'IR', 'tanzania, united republic of': 'TZ',
  'bolivia, plurinational state of': 'BO', 'venezuela, bolivarian republic of': 'VE', 'moldova, republic of': 'MD',
  'taiwan, province of china': 'TW', 'congo, the democratic republic of the': 'CD',
  'congo, democratic republic of the': 'CD', 'democratic republic of the congo': 'CD', 'republic of the congo': 'CG',
  "lao people's democratic republic": 'LA', 'syrian arab republic': 'SY', 'micronesia, federated states of': 'FM',
  'macedonia, the former yugoslav republic of': 'MK', 'palestine, state of': 'PS', 'virgin islands, british': 'VG',
  'virgin islands, u.s.': 'VI', 'holy see (vatican city state)': 'VA', 'brunei darussalam': 'BN',
  'cabo verde': 'CV', 'libyan arab jamahiriya': 'LY', 'saint martin (french part)': 'MF',
  'sint maarten (dutch part)': 'SX', 'falkland islands (malvinas)': 'FK', 'bonaire, sint eustatius and saba': 'BQ',
  swaziland: 'SZ', 'east timor': 'TL', 'saint helena, ascension and tristan da cunha': 'SH',
  // Informal names in the languages of NAME_LANGUAGES that ICU does not give.
  großbritannien: 'GB', grossbritannien: 'GB', 'estados unidos da america': 'US', eua: 'US', 'ee uu': 'US',
  // Short and older English names CRMs and hand-made sheets write.
  emirates: 'AE', 's africa': 'ZA', 'so africa': 'ZA', macedonia: 'MK', 'republic of macedonia': 'MK',
  'south korea': 'KR', 'north korea': 'KP', czechoslovakia: 'CZ', 'the gambia': 'GM', 'the bahamas': 'BS',
  // Native names ICU's names in NAME_LANGUAGES do not give.
  rossiya: 'RU', rossija: 'RU', 'rossiyskaya federatsiya': 'RU', 'российская федерация': 'RU', рф: 'RU',
  '中华人民共和国': 'CN', 'mainland china': 'CN', 'prc': 'CN', 'roc': 'TW', 'republic of china': 'TW',
  香港: 'HK', 臺灣: 'TW', 澳門: 'MO', 澳门: 'MO', 'hrvatska': 'HR', 'slovensko': 'SK', 'slovenija': 'SI', 'lietuva': 'LT', 'latvija': 'LV', 'eesti': 'EE',
};

/** Marks ignored when comparing names: "U.S.A." = "usa", "Côte d’Ivoire" = "cote divoire". */
const NAME_PUNCTUATION = /[.'’()]/g;
const NAME_SEPARATORS = /[\s,_-]+/g;
const DIACRITICS = /\p{M}/gu;

/** The comparison key of a country name: no accents, punctuation or case, single spaces. */
function nameKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(DIACRITICS, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(NAME_PUNCTUATION, '')
    .replace(NAME_SEPARATORS, ' ')
    .trim();
}

/**
 * The languages whose country names are understood besides English (ICU's names, through
 * `Intl.DisplayNames`): those of the exports people hand us (a German Outlook writes
 * "Vereinigtes Königreich", a Spanish CRM "Estados Unidos", a Russian one "Россия", a Japanese
 * one "日本"). A name that means two countries in two languages is left to English, else dropped.
 */
// prettier-ignore
const NAME_LANGUAGES = [
  'en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'pl', 'cs', 'sk', 'hu', 'ro', 'hr', 'sl', 'sv', 'da', 'nb', 'fi',
  'et', 'lv', 'lt', 'tr', 'el', 'ru', 'uk', 'bg', 'he', 'ar', 'ja', 'zh', 'zh-Hant', 'ko',
] as const;

function buildNameTable(): Map<string, CountryCode> {
  const table = new Map<string, CountryCode>();
  const english = new Set<string>();
  const ambiguous = new Set<string>();
  for (const language of NAME_LANGUAGES) {
    const names = new Intl.DisplayNames(language, { type: 'region', fallback: 'none' });
    for (const iso of SUPPORTED) {
      const name = names.of(iso);
      if (!name) continue;
      // "Myanmar (Burma)", "Hong Kong SAR China": also the short form.
      const bare = name.replace(/\s*\(.*\)\s*/, '');
      for (const key of new Set([nameKey(name), nameKey(bare)])) {
        const known = table.get(key);
        if (language === 'en') english.add(key);
        else if (english.has(key)) continue;
        else if (known !== undefined && known !== iso) ambiguous.add(key);
        table.set(key, iso);
      }
    }
  }
  for (const key of ambiguous) table.delete(key);
  for (const [alias, iso] of Object.entries(COUNTRY_ALIASES)) table.set(nameKey(alias), iso);
  return table;
}

let nameTable: Map<string, CountryCode> | undefined;

/** Distinct country values in one run are few; the cap only bounds a pathological column. */
const RESOLVE_CACHE_LIMIT = 10_000;
const resolveCache = new Map<string, ResolvedCountry | null>();

/**
 * Resolves a country value, or returns `undefined` when it is not recognised.
 * Accepts, ignoring case and surrounding space:
 * - an ISO 3166-1 alpha-2 code libphonenumber-js supports (`GB`, `us`);
 * - an English country name (`United Kingdom`, `Côte d'Ivoire`) and common names and codes
 *   (`UK`, `USA`, `Deutschland`, `España`, `GBR`);
 * - a calling code (`+44`, `0044`, `44`): numbers are then read in that calling code.
 */
export function resolveCountry(value: string): ResolvedCountry | undefined {
  const cached = resolveCache.get(value);
  if (cached !== undefined) return cached ?? undefined;
  const resolved = computeCountry(value);
  if (resolveCache.size >= RESOLVE_CACHE_LIMIT) resolveCache.clear();
  resolveCache.set(value, resolved ?? null);
  return resolved;
}

function computeCountry(value: string): ResolvedCountry | undefined {
  const text = value.trim();
  if (text.length === 2) {
    const iso = text.toUpperCase();
    if (SUPPORTED_SET.has(iso)) return { iso: iso as CountryCode };
  }
  const calling = /^(?:\+|00)?\s*(\d{1,3})$/.exec(text);
  if (calling) {
    const code = calling[1] as string;
    return CALLING_CODES.has(code) ? { callingCode: code } : undefined;
  }
  const named = countryNamed(nameKey(text));
  if (named !== undefined) return { iso: named };
  // `Germany (DE)`, `UK (United Kingdom)`: the name, else what the brackets hold.
  const bracketed = BRACKETED.exec(text);
  if (bracketed) return computeCountry(bracketed[1] as string) ?? computeCountry(bracketed[2] as string);
  return undefined;
}

/** A name with something in brackets after it. */
const BRACKETED = /^([^()]+?)\s*\(([^()]+)\)$/;

/** The country of a name's key: a name, an alias, `U.S.` (an ISO code once its dots are gone), `the …`. */
function countryNamed(key: string): CountryCode | undefined {
  nameTable ??= buildNameTable();
  const iso = nameTable.get(key) ?? (key.startsWith('the ') ? nameTable.get(key.slice(4)) : undefined);
  if (iso !== undefined) return iso;
  const code = key.toUpperCase();
  return key.length === 2 && SUPPORTED_SET.has(code) ? (code as CountryCode) : undefined;
}

/**
 * Territories whose numbers belong to another country's national numbering plan (same calling
 * code, allocated by that country's regulator): libphonenumber names the territory, but the
 * number is also valid in the country. Countries that merely share a calling code (CA and US in
 * +1, KZ and RU in +7) are separate plans and not listed.
 */
// prettier-ignore
const NUMBERING_PLAN_OF: Readonly<Partial<Record<CountryCode, CountryCode>>> = {
  GG: 'GB', JE: 'GB', IM: 'GB', // Crown Dependencies: Ofcom's UK plan
  AX: 'FI', SJ: 'NO', VA: 'IT', CX: 'AU', CC: 'AU',
};

/**
 * The contact's country for a number libphonenumber places in `numberCountry`, given the source's
 * country (the row's, else the default): the source's when the number is valid in it (same
 * country, or a territory of its numbering plan: a GB-marked +44 7911… number stays GB rather than
 * Guernsey), else the number's own (a +1 204 number marked US is CA).
 */
export function contactCountry(
  numberCountry: CountryCode | undefined,
  source: ResolvedCountry | undefined,
): CountryCode | undefined {
  if (numberCountry === undefined || source?.iso === undefined) return numberCountry;
  return NUMBERING_PLAN_OF[numberCountry] === source.iso ? source.iso : numberCountry;
}
