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
 * "Vereinigtes Königreich", a Spanish CRM "Estados Unidos"). A name that means two countries in
 * two languages is left to English, else dropped.
 */
const NAME_LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl'] as const;

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
  nameTable ??= buildNameTable();
  const iso = nameTable.get(nameKey(text));
  return iso === undefined ? undefined : { iso };
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
