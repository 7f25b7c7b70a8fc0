/**
 * Header understanding: what a column of a real export stands for, without a mapping
 * (CONTRACT §3). Used by `map-fields` (which column feeds which field, in what order phones are
 * tried), by the pre-flight and by the no-phone-column stop.
 *
 * Headers are read as words, not as strings: `MobilePhone`, `Mobile Phone`, `mobile_phone`,
 * `MOBILEPHONE` (Salesforce Data Loader) and `Person - Phone - Mobile` all say the same thing, and
 * so do the headers Outlook and Thunderbird write in the user's language (`Mobiltelefon`,
 * `Mobiele telefoon`, `Portable`, `Numero cellulare`, `Teléfono móvil`, `Celular`: the word lists
 * below hold English, German, Dutch, French, Italian, Spanish and Portuguese words, taken from the
 * real header sets of Open-Xchange's `outlook2007.*.properties` maps and Roundcube's
 * `csv2vcard.inc` files). The rules, in the order they apply:
 * - camelCase is split, `E-mail` is `email`, Salesforce's custom suffix `__c` is dropped, a word
 *   run together from known words (`MOBILEPHONE`, `Handynummer`, `E-mailadres`) is split into them,
 *   and a leading person prefix (`Person -`, `Contact`, `Customer`…) is ignored;
 * - a leading other-entity word (`Organization -`, `Account`, `Company`, `Deal -`, `Assistant`…)
 *   means the column is not about the person: never a name or an email; a phone of it ranks last,
 *   as does a phone naming such an entity anywhere (`Telefon Assistent`, `Hoofdtelefoon bedrijf`);
 * - phones: a mobile word (`mobile cell sms whatsapp iphone handy mobiel gsm portable cellulare
 *   movil celular`…) or a phone word (`phone telephone tel msisdn landline telefon telefoon
 *   telefono fone`…), unless a word says the column is about the phone rather than a number
 *   (`label type consent opt status extension country`…). Fax, pager, telex, ISDN and TTY columns
 *   are never used;
 * - label/value pairs (`Phone 1 - Label`/`Type` + `Phone 1 - Value`, same for e-mail) are one
 *   phone whose kind is the row's label;
 * - SMS consent: an SMS/text/mobile column that says opted out, unsubscribed or blacklisted (a
 *   flag), or consent/subscription/status/accepts (a status). E-mail consent is not SMS consent.
 */

/** The contact fields a column can be mapped to. `name` is a full name, split into first/last. */
export type KnownField = 'mobile' | 'firstName' | 'lastName' | 'name' | 'email' | 'country' | 'tags';

/** How a consent column is read: a flag (true = opted out) or a status (`UNSUBSCRIBED`, `yes`…). */
export type ConsentColumnKind = 'opt-out-flag' | 'status';

/** What one header stands for. Lower `rank` is preferred when several columns feed one field. */
export type HeaderRole =
  | { kind: 'field'; field: KnownField; rank: number }
  /** A label/value pair's value; its rank comes from the row's label (`Phone 1 - Label`). */
  | { kind: 'pair-value'; field: 'mobile' | 'email'; rank: number; group: string }
  | { kind: 'pair-label'; field: 'mobile' | 'email'; group: string }
  /** A fax or pager number: kept as an attribute, never used as the mobile. */
  | { kind: 'never-phone' }
  /** An SMS consent column: kept as an attribute, and read for consent. */
  | { kind: 'consent'; consent: ConsentColumnKind };

/** Rank bands of phone columns (CONTRACT §3): mobile-like, then general, then home/work/other. */
export const PHONE_TIER = { mobile: 0, general: 1000, other: 2000 } as const;

const PERSON_PREFIXES: ReadonlySet<string> = new Set([
  'person',
  'contact',
  'customer',
  'subscriber',
  'profile',
  'member',
  'recipient',
  'people',
]);
/**
 * A leading word that makes the column another entity's: the company's phone, the owner's name.
 * In a phone header it may stand anywhere (`Telefon Assistent`, `Telefon Firma`).
 */
const OTHER_ENTITIES: ReadonlySet<string> = new Set([
  'assistent', // de, nl
  'assistente', // it
  'firma', // de (`Telefon Firma`: the company's main number)
  'bedrijf', // nl (`Hoofdtelefoon bedrijf`)
  'societe',
  'empresa',
  'organization',
  'organisation',
  'org',
  'company',
  'account',
  'deal',
  'lead',
  'owner',
  'assistant',
  'asst',
  'manager',
  'spouse',
  'emergency',
  'referrer',
  'partner',
  // Relatives (CiviCRM's related contacts `Mum-home-mobile`, `Sister-phone`; member and pupil
  // lists' `Parent Mobile`, `Next of Kin Phone`): their numbers are never the person's.
  'mum',
  'mom',
  'mother',
  'dad',
  'father',
  'parent',
  'parents',
  'guardian',
  'sister',
  'brother',
  'sibling',
  'son',
  'daughter',
  'wife',
  'husband',
  'kin',
]);

// prettier-ignore
const MOBILE_WORDS: ReadonlySet<string> = new Set([
  'mobile', 'mobiles', 'cell', 'cellphone', 'cellular', 'sms', 'whatsapp',
  // A Google Contacts label of iOS-synced numbers; the vCard reader reads it as a mobile too.
  'iphone',
  'handy', 'mobil', 'mobilfunk', 'natel', // de (Natel: Switzerland)
  'mobiel', 'mobiele', 'gsm', // nl, be
  'portable', 'cellulaire', // fr (`Portable`, `Tél. mobile`)
  'cellulare', // it
  'movil', // es (`Teléfono móvil`)
  'celular', 'telemovel', // pt
  'komorkowy', 'komorka', 'mobilni', 'mobilny', 'matkapuhelin', 'mobilais', 'mobilusis', 'mobiil', // pl cs sk fi lv lt et
  'cep', // tr (`Cep Telefonu`)
  'mobitel', // hr, sr, sl
  ...plainWords('мобильный', 'сотовый', 'сотового', 'мобільний', 'мобилен', 'κινητό'), // ru, uk, bg, el (`Номер сотового телефона`)
  '携帯電話', '携帯', '移动电话', '手机', '行動電話', '手機', '手提電話', '휴대폰', '휴대전화', '핸드폰', '이동전화', // ja, zh (HK), ko
  ...plainWords('נייד', 'موبايل', 'موبایل', 'جوال', 'الجوال'), // he, ar, fa
]);
// prettier-ignore
const GENERAL_PHONE_WORDS: ReadonlySet<string> = new Set([
  'phone', 'phones', 'telephone', 'tel', 'msisdn', 'phonenumber', 'landline',
  'telefon', 'rufnummer', 'festnetz', // de (`Telefon`, `Tel. privat`, `Telefonnummer`)
  'telefoon', // nl
  'telefono', // it, es (`Teléfono`)
  'telefone', 'fone', // pt (`Fone comercial`)
  'telefonu', 'puhelin', 'telefonszam', 'talrunis', // pl (`Numer telefonu`), fi, hu, lv
  ...plainWords('телефон', 'телефона', 'тел', 'τηλέφωνο', '電話', '电话', '電話番号', '전화', '전화번호'), // ru uk bg, el, ja zh, ko
  'telepon', // id (`Nomor Telepon`)
  ...plainWords('טלפון', 'هاتف', 'الهاتف', 'تلفن'), // he, ar, fa
]);
/** Words that make a phone a fixed line: it ranks after home, work and other phones. */
// prettier-ignore
const LANDLINE_WORDS: ReadonlySet<string> = new Set([
  'landline', 'festnetz', 'vaste', 'vast', 'fixe', 'fisso', 'fijo', 'fixo',
]);
// prettier-ignore
const NEVER_PHONE_WORDS: ReadonlySet<string> = new Set([
  'fax', 'pager', 'telex', 'isdn', 'tty', 'tdd', 'beeper',
  'telefax', 'piepser', 'texttelefon', 'horbehinderte', // de (`Telefon für Hörbehinderte`: TTY)
  'semafoon', 'teksttelefoon', // nl
  'telecopie', 'radiomessagerie', // fr (`Télécopie (bureau)`, `Récepteur de radiomessagerie`)
  'cercapersone', // it
  'buscapersonas', // es
]);
/** The country words of a header (`Country/Region`, `Land/Region privat`, `Pays`, `País`). */
// prettier-ignore
const COUNTRY_WORDS: ReadonlySet<string> = new Set([
  'country', 'land', 'pays', 'paese', 'nazione', 'pais',
  'kraj', 'zeme', 'krajina', 'orszag', 'ulke', 'valsts', 'riik', // pl, cs, sk, hu, tr, lv, et
  ...plainWords('страна', 'країна', 'държава', 'χώρα', '国家', '國家', '国', '국가'), // ru, uk, bg, el, zh ja, ko
]);
/** `Region` beside a country word (`Land/regio (thuis)`): the header is still the country's. */
const COUNTRY_REGION_WORDS: ReadonlySet<string> = new Set([
  'region',
  'regio',
  'regione',
  'regiao',
  'oblast',
  ...plainWords('регион', '地区', '地區', '地域'),
]);
/** Words that make a phone-ish header about the phone, not a phone number. */
const NOT_A_NUMBER_WORDS: ReadonlySet<string> = new Set([
  ...COUNTRY_WORDS,
  'typ',
  'tipo',
  'label',
  'type',
  'kind',
  'opt',
  'optout',
  'optin',
  'opted',
  'consent',
  'consents',
  'blacklisted',
  'blocklisted',
  'blacklist',
  'blocked',
  'dnc', // PropStream's `Phone 1 DNC`: a Do Not Call flag (Yes/blank) beside the number
  'unsubscribed',
  'subscribed',
  'subscription',
  'status',
  'marketing',
  'accepts',
  'accept',
  'extension',
  'ext',
  'verified',
  'valid',
  'validated',
  'carrier',
  'code',
  'timestamp',
  'date',
  'time',
  'source',
  'confirmed',
  'ip',
  'count',
  'provider',
  'prefix',
  'id',
  'region',
  'preference',
  'preferred',
  'permission',
  'updated',
]);
/**
 * Words saying a phone or e-mail is the person's general one, neither home nor work: Nokia PC
 * Suite's `General phone`, `Общий: телефон`, `Общий: адрес эл. почты`.
 */
const GENERAL_WORDS: readonly string[] = ['general', ...plainWords('общий', 'загальний')];
/** Words a general phone header may carry and stay general (`Primary Phone`, `Phone Number 1`). */
// prettier-ignore
const GENERAL_QUALIFIERS: ReadonlySet<string> = new Set([
  'number', 'no', 'nr', 'num', 'primary', 'main', 'value', ...GENERAL_WORDS,
  'nummer', 'haupt', // de (`Telefonnummer`, `Haupttelefon`)
  'hoofd', // nl (`Hoofdtelefoon`)
  'numero', 'principal', 'principale', 'primario', // fr, it, es, pt (`Téléphone principal`)
  'numer', 'cislo', 'номер', '番号', '号码', '號碼', '번호', // pl, cs, ru, ja, zh, ko
  'nomor', ...plainWords('מס', 'رقم', 'شماره'), // id, he, ar, fa
]);
/** Home, work and other words, of phones (`Telefon privat`), e-mails and countries (`Privat: Land`). */
// prettier-ignore
const HOME_WORDS: ReadonlySet<string> = new Set([
  'home', 'private', 'personal', 'residence',
  'privat', 'zuhause', // de
  'thuis', 'huis', 'prive', // nl
  'domicile', 'personnel', 'personnelle', 'particulier', // fr
  'casa', 'residenza', 'personale', // it
  'domicilio', 'residencia', // es
  'pessoal', // pt
  'dom', ...plainWords('дом', 'домашний', '自宅', '住宅'), // pl, ru, ja, zh (`Kraj/region (dom)`, `国/地域 (自宅)`)
]);
// prettier-ignore
const WORK_WORDS: ReadonlySet<string> = new Set([
  'work', 'business', 'office', 'direct',
  'geschaftlich', 'geschafts', 'dienstlich', 'dienst', 'buro', 'arbeit', // de
  'werk', 'zakelijk', 'kantoor', // nl (`Telefoon op werk`)
  'bureau', 'professionnel', 'professionnelle', 'travail', // fr (`Tél. professionnel`)
  'lavoro', 'ufficio', // it
  'trabajo', 'oficina', // es (`Teléfono (Trabajo)`)
  'comercial', 'trabalho', // pt
]);
// prettier-ignore
const OTHER_WORDS: ReadonlySet<string> = new Set([
  'other', 'weitere', 'weiteres', 'weiterer', 'andere', 'anders', 'ander', 'autre', 'altro', 'altra',
  'otro', 'otra', 'outro', 'outra',
]);
/** Car and radio phones: a phone's qualifier, known so that `Autotelefon` is read as `auto telefon`. */
const VEHICLE_WORDS: ReadonlySet<string> = new Set(['car', 'auto', 'radio', 'voiture', 'carro']);
/**
 * Words that only join others (`Telefoon op werk`, `Téléphone de l'assistant(e)`, `País o región
 * del trabajo`, `Weiteres/e Land/Region`): they do not qualify a phone, e-mail or country.
 */
// prettier-ignore
const JOINING_WORDS: ReadonlySet<string> = new Set([
  'of', 'op', 'voor', 'van', 'von', 'fur', 'des', 'de', 'du', 'la', 'le', 'di', 'del', 'dell', 'della',
  'da', 'do', 'dos', 'das', 'o', 'ou', 'e', 'l', 'd', 'r', 's',
  'или', // ru (`Страна или регион`)
]);

/** Words `email` fields may carry besides the e-mail word itself. */
// prettier-ignore
const EMAIL_QUALIFIERS: ReadonlySet<string> = new Set([
  'address', 'value', 'primary', 'main', 'default', ...GENERAL_WORDS,
  'adresse', 'primare', // de (`E-Mail-Adresse`, `Primäre E-Mail-Adresse`), fr (`Adresse de messagerie`)
  'adres', 'primair', // nl (`E-mailadres`)
  'principale', 'principal', 'indirizzo', // fr, it (`Indirizzo e-mail`), es
  'direccion', 'endereco', 'primario', // es (`Dirección de correo electrónico principal`), pt
  'adresa', 'adress', 'adresi', 'adressi', 'osoite', 'cim', // cs ro, sv, tr, fi, hu
  ...plainWords('адрес', 'адреса', 'эл', 'ел', '地址', 'アドレス', '주소', '전자'), // ru uk, zh ja, ko
]);
/** Words of a second e-mail column, besides the home, work and other words. */
// prettier-ignore
const EMAIL_SECONDARY: ReadonlySet<string> = new Set([
  'secondary', 'second', 'alternate', 'alternative', 'alt', 'additional',
  'sekundare', 'secundair', 'secondaire', 'secondaria', 'secundaria', 'secundario',
]);
const EMAIL_NOT_ADDRESS: ReadonlySet<string> = new Set([
  ...NOT_A_NUMBER_WORDS,
  'display',
  'name',
  'domain',
  'bounced',
  'bounce',
  'format',
  'client',
  'hash',
  'md5',
  'sha256',
  'unsubscribe',
  'from',
  'all',
]);

/** Words a country header may carry besides the home, work and other words. */
// prettier-ignore
const COUNTRY_QUALIFIERS: ReadonlySet<string> = new Set([
  'mailing', 'address', 'default', 'billing', 'shipping', 'primary', 'code', 'iso', 'postal', 'value',
  'адрес', // ru (`Страна или регион (дом. адрес)`)
  ...COUNTRY_REGION_WORDS,
]);

/**
 * Exact word sequences (after prefixes are stripped) of names, tags and country columns that
 * the word rules below do not cover: `FIRSTNAME` (Brevo), `Given Name` (Google), `CC` (Mailchimp).
 */
// prettier-ignore
const EXACT: ReadonlyMap<string, readonly [KnownField, number]> = new Map([
  ['first name', ['firstName', 0]], ['firstname', ['firstName', 0]], ['given name', ['firstName', 1]],
  ['givenname', ['firstName', 1]], ['fname', ['firstName', 2]], ['first', ['firstName', 3]],
  ['forename', ['firstName', 2]], ['given', ['firstName', 3]],
  ['last name', ['lastName', 0]], ['lastname', ['lastName', 0]], ['surname', ['lastName', 1]], ['sur name', ['lastName', 1]],
  ['family name', ['lastName', 1]], ['familyname', ['lastName', 1]], ['lname', ['lastName', 2]],
  ['last', ['lastName', 3]],
  ['name', ['name', 0]], ['full name', ['name', 1]], ['fullname', ['name', 1]], ['display name', ['name', 2]],
  ['displayname', ['name', 2]],
  ['tags', ['tags', 0]], ['tag', ['tags', 1]], ['labels', ['tags', 2]], ['label', ['tags', 3]],
  ['categories', ['tags', 4]], ['category', ['tags', 5]], ['group membership', ['tags', 6]], ['groups', ['tags', 7]],
  ['cc', ['country', 50]],
  // de, nl, fr, it, es, pt: Outlook's and Thunderbird's names (`Vorname`, `Nom à afficher`, `Kategorien`)
  ['vorname', ['firstName', 0]], ['voornaam', ['firstName', 0]], ['prenom', ['firstName', 0]],
  ['nome', ['firstName', 0]], ['nombre', ['firstName', 0]], ['primeiro nome', ['firstName', 0]],
  ['nachname', ['lastName', 0]], ['achternaam', ['lastName', 0]], ['nom', ['lastName', 0]],
  ['cognome', ['lastName', 0]], ['apellidos', ['lastName', 0]], ['apellido', ['lastName', 0]],
  ['sobrenome', ['lastName', 0]], ['ultimo nome', ['lastName', 0]], ['familienname', ['lastName', 1]],
  ['naam', ['name', 0]], ['vollstandiger name', ['name', 1]], ['volledige naam', ['name', 1]],
  ['nom complet', ['name', 1]], ['nome completo', ['name', 1]], ['nombre completo', ['name', 1]],
  ['anzeigename', ['name', 2]], ['weergavenaam', ['name', 2]], ['nom a afficher', ['name', 2]],
  ['nome visualizzato', ['name', 2]], ['nombre en pantalla', ['name', 2]], ['mostrar nome', ['name', 2]],
  ['kategorien', ['tags', 4]], ['categorien', ['tags', 4]], ['categorie', ['tags', 4]],
  ['categorias', ['tags', 4]],
  // pl, cs, sk, hu, ro, da, no, sv, fi, lv, lt, et, tr: Outlook's first and last names
  ['imie', ['firstName', 0]], ['nazwisko', ['lastName', 0]], ['jmeno', ['firstName', 0]],
  ['prijmeni', ['lastName', 0]], ['meno', ['firstName', 0]], ['priezvisko', ['lastName', 0]],
  ['utonev', ['firstName', 0]], ['keresztnev', ['firstName', 0]], ['vezeteknev', ['lastName', 0]],
  ['prenume', ['firstName', 0]], ['nume', ['lastName', 0]], ['fornavn', ['firstName', 0]],
  ['efternavn', ['lastName', 0]], ['etternavn', ['lastName', 0]], ['fornamn', ['firstName', 0]],
  ['efternamn', ['lastName', 0]], ['etunimi', ['firstName', 0]], ['sukunimi', ['lastName', 0]],
  ['vards', ['firstName', 0]], ['uzvards', ['lastName', 0]], ['vardas', ['firstName', 0]],
  ['pavarde', ['lastName', 0]], ['eesnimi', ['firstName', 0]], ['perekonnanimi', ['lastName', 0]],
  ['krstne meno', ['firstName', 0]], ['navn', ['name', 0]], ['namn', ['name', 0]], ['nimi', ['name', 0]],
  ['nev', ['name', 0]], ['soyad', ['lastName', 0]], ['soyadı', ['lastName', 0]], ['adı', ['firstName', 0]],
  // ru, uk, bg, el, ja, zh, ko (`Имя`, `Ім'я`, `Όνομα`, `名`/`姓`, `氏名`/`姓名`: the full name)
  ...([
    ['имя', ['firstName', 0]], ['фамилия', ['lastName', 0]], ['ім я', ['firstName', 0]],
    ['прізвище', ['lastName', 0]], ['име', ['firstName', 0]], ['όνομα', ['firstName', 0]],
    ['επώνυμο', ['lastName', 0]],
  ] satisfies Array<[string, [KnownField, number]]>).map(([key, role]): [string, [KnownField, number]] => [plainWord(key), role]),
  ['名', ['firstName', 0]], ['姓', ['lastName', 0]], ['名字', ['firstName', 0]],
  ['姓氏', ['lastName', 0]], ['이름', ['firstName', 0]], ['성', ['lastName', 0]], ['氏名', ['name', 0]],
  ['姓名', ['name', 0]],
]);

/** The e-mail words (`E-mail` is already `email` here). */
// prettier-ignore
const EMAIL_WORDS: ReadonlySet<string> = new Set([
  'email', 'mail',
  'courriel', 'messagerie', 'electronique', // fr (`Adresse de messagerie`, `Adresse électronique`)
  'correo', 'electronico', 'eletronico', // es (`Correo electrónico`), pt
  'sahkoposti', 'emailova', // fi, cs (`E-mailová adresa`)
  ...plainWords('почта', 'почты', 'электронной', 'пошта', 'поща', 'имейл', 'ηλεκτρονικό', 'ταχυδρομείο'), // ru (`Адрес эл. почты`), uk, bg, el
  ...plainWords('メールアドレス'), // ja
  '電子メール', '电子邮件', '邮箱', '電子郵件', '이메일', '메일', // ja, zh, ko (`전자 메일 주소`)
]);

/** A word as {@link headerWords} reads it: no accents (`й` is `и`, `ド` is `ト`), Hangul whole. */
function plainWord(word: string): string {
  return word.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFC').toLowerCase();
}

/** Words of the tables written as people write them (`Мобильный`), as {@link headerWords} reads them. */
function plainWords(...words: string[]): string[] {
  return words.map(plainWord);
}

/**
 * The words of a header: lower case, camelCase split, `E-mail` → `email`, accents and
 * punctuation removed, `__c` (Salesforce custom field) dropped, a word run together from known
 * words split into them ({@link splitRunTogether}).
 *
 * @example headerWords('Person - Phone - Mobile') // ['person', 'phone', 'mobile']
 * @example headerWords('MailingCountryCode') // ['mailing', 'country', 'code']
 * @example headerWords('MAILINGCOUNTRYCODE') // ['mailing', 'country', 'code']
 * @example headerWords('Mobil-Tel.-Nr.') // ['mobil', 'tel', 'nr']
 * @example headerWords('Handynummer') // ['handy', 'nummer']
 */
export function headerWords(header: string): string[] {
  const text = header
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    // Hangul is decomposed into its letters by NFKD (which are no marks): put the syllables back.
    .normalize('NFC')
    .replace(/__c$/i, '')
    .replace(/\be[\s_-]?mail/gi, (match) => (match[0] === 'E' ? 'Email' : 'email'))
    // `E-post`, `E-postadress` (sv, no), `E-posta` (tr): the e-mail
    .replace(/\be[\s_-]post[ai]?(?=adresse?|[^a-z]|$)/gi, (match) => (match[0] === 'E' ? 'Email ' : 'email '))
    // Names whose inner capital is no word break: a `WhatsApp` or `iPhone` number is a mobile.
    .replace(/(?<![a-z])(?:whats[\s_-]?app|iphone)/gi, (match) => match.replace(/[\s_-]/g, '').toLowerCase())
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-z])([0-9])/gi, '$1 $2')
    .toLowerCase();
  return text
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '')
    .flatMap(splitRunTogether);
}

/** The words once a leading person prefix is dropped, and whether another entity's prefix leads. */
function personWords(words: readonly string[]): { words: string[]; otherEntity: boolean } {
  let start = 0;
  while (start < words.length - 1 && PERSON_PREFIXES.has(words[start] as string)) start++;
  const rest = words.slice(start);
  return { words: rest, otherEntity: OTHER_ENTITIES.has(rest[0] ?? '') && rest.length > 1 };
}

const isNumberWord = (word: string): boolean => /^\d+$/.test(word);

/** How much a phone header naming the person (`Contact Phone`) ranks before its kind's others. */
const PERSON_FIRST = 1;

/** A bracketed note after a header saying how its values are written (`(with country code)`). */
const FORMAT_NOTE =
  /\s*[([][^)\]]*\b(?:with|prefix|incl|including|inkl|mit|avec|con|com|e\.g|eg|format)\b[^)\]]*[)\]]\s*$/i;

/**
 * What a header stands for, or `undefined` for a plain attribute.
 *
 * @example classifyHeader('Mobile Phone') // { kind: 'field', field: 'mobile', rank: 0 }
 * @example classifyHeader('Business Fax') // { kind: 'never-phone' }
 */
export function classifyHeader(header: string): HeaderRole | undefined {
  // `Mobile (with country code)`, `Mobile(country code prefix)`: a phone header and how to write
  // it, as WhatsApp senders' templates name the column (its "country code" is no code column).
  const described = FORMAT_NOTE.exec(header);
  if (described !== null && described.index > 0) {
    const role = classifyHeader(header.slice(0, described.index));
    if (role?.kind === 'field' && role.field === 'mobile') return role;
  }
  const all = headerWords(header);
  if (all.length === 0) return undefined;
  const { words, otherEntity } = personWords(all);
  const joined = words.join(' ');

  const pair = labelValuePair(words);
  if (pair) return pair;

  const consent = consentColumn(words);
  if (consent) return consent;

  if (words.some((word) => NEVER_PHONE_WORDS.has(word))) return { kind: 'never-phone' };
  const phoneRank = rankPhoneWords(words, otherEntity);
  if (phoneRank !== undefined) {
    // Another person's or entity's number (the company's, an assistant's, an emergency contact's,
    // a parent's) is never the contact's mobile: an attribute, unless --phone-columns or
    // --mapping names it (and the stop of a source without any other suggests it).
    if (otherEntity || words.some((word) => OTHER_ENTITIES.has(word))) return undefined;
    // `ContactPhone` beside `Phone` (a B2B list: the company's line, then the person's): of two
    // phones of one kind, the one the header says is the person's is tried first.
    return {
      kind: 'field',
      field: 'mobile',
      rank: words.length < all.length ? phoneRank - PERSON_FIRST : phoneRank,
    };
  }

  if (otherEntity && !words.some((word) => COUNTRY_WORDS.has(word))) return undefined;

  const exact = EXACT.get(joined);
  if (exact) return { kind: 'field', field: exact[0], rank: exact[1] };

  const email = rankEmailWords(words);
  if (email !== undefined) return { kind: 'field', field: 'email', rank: email };

  const country = rankCountryWords(words);
  if (country !== undefined) return { kind: 'field', field: 'country', rank: country };
  return undefined;
}

/** `Phone 1 - Value`, `E-mail 2 - Label`, `Phone 1 - Type`: Google's label/value pairs. */
function labelValuePair(words: readonly string[]): HeaderRole | undefined {
  if (words.length !== 3) return undefined;
  const [what, index, part] = words as [string, string, string];
  if (!isNumberWord(index)) return undefined;
  const field =
    GENERAL_PHONE_WORDS.has(what) || MOBILE_WORDS.has(what)
      ? 'mobile'
      : EMAIL_WORDS.has(what)
        ? 'email'
        : undefined;
  if (field === undefined) return undefined;
  const group = `${field} ${index}`;
  if (part === 'value') return { kind: 'pair-value', field, group, rank: PHONE_TIER.general + Number(index) };
  if (part === 'label' || part === 'type') return { kind: 'pair-label', field, group };
  return undefined;
}

const SMS_CHANNEL: ReadonlySet<string> = new Set(['sms', 'text', 'texting', 'mobile', 'mms']);
const OPT_OUT_FLAG_WORDS: ReadonlySet<string> = new Set([
  'blacklisted',
  'blocklisted',
  'blacklist',
  'blocklist',
  'unsubscribed',
  'optout',
  'optedout',
  'suppressed',
  // de, fr, nl, it, pt: unsubscribed (`SMS abbestellt`, `SMS désabonné`, `SMS afgemeld`)
  'abbestellt',
  'abgemeldet',
  'desabonne',
  'desinscrit',
  'afgemeld',
  'uitgeschreven',
  'disiscritto',
  'descadastrado',
]);
const CONSENT_STATUS_WORDS: ReadonlySet<string> = new Set([
  'consent',
  'subscription',
  'subscribed',
  'status',
  'accepts',
  'optin',
  'permission',
  'marketing',
]);

/**
 * Words of Salesforce API names that the rules read only as part of a phrase (`HasOptedOutOfMobile`,
 * `DoNotSms`), known so that Data Loader's `HASOPTEDOUTOFMOBILE` splits like its API name.
 */
const SALESFORCE_PHRASE_WORDS: readonly string[] = ['has', 'of', 'out', 'do', 'not'];

/**
 * The words a run-together word may be split into: the words the rules look for. Not `no` (a
 * `NOSMS` flag must not become a phone column), nor the joining words (`de`, `op`…) or the short
 * words of names (`cc`, `en`), which would split words they do not make.
 */
// prettier-ignore
const RUN_TOGETHER_PARTS: ReadonlySet<string> = new Set(
  [
    PERSON_PREFIXES, OTHER_ENTITIES, MOBILE_WORDS, GENERAL_PHONE_WORDS, LANDLINE_WORDS, NEVER_PHONE_WORDS,
    NOT_A_NUMBER_WORDS, GENERAL_QUALIFIERS, HOME_WORDS, WORK_WORDS, OTHER_WORDS, VEHICLE_WORDS,
    EMAIL_WORDS, EMAIL_QUALIFIERS, EMAIL_SECONDARY, EMAIL_NOT_ADDRESS, COUNTRY_WORDS, COUNTRY_QUALIFIERS,
    SMS_CHANNEL, OPT_OUT_FLAG_WORDS, CONSENT_STATUS_WORDS, SALESFORCE_PHRASE_WORDS,
    [...EXACT.keys()].flatMap((key) => key.split(' ')).filter((word) => word.length > 2),
  ]
    .flatMap((words) => [...words])
    .filter((word) => word.length > 1 && word !== 'no'),
);

/**
 * A word run together from known words, as those words (the fewest of them); any other word,
 * and a known word, as itself. German and Dutch write compounds (`Mobiltelefon`, `Handynummer`,
 * `E-mailadres`), and Salesforce Data Loader writes API names in one case (`MOBILEPHONE`,
 * `mailingcountry`, `ET4AE5__HASOPTEDOUTOFMOBILE__C`), where camelCase no longer shows the words.
 * A word with a part the rules do not know stays whole (`Bundesland`, `Hausnummer`).
 *
 * @example splitRunTogether('hasoptedoutofmobile') // ['has', 'optedout', 'of', 'mobile']
 */
function splitRunTogether(word: string): string[] {
  if (word.length < 4 || RUN_TOGETHER_PARTS.has(word) || /\d/.test(word)) return [word];
  // fewest[i]: the fewest known words that spell word.slice(0, i), when there are any.
  const fewest: Array<string[] | undefined> = [[]];
  for (let end = 2; end <= word.length; end++) {
    for (let start = 0; start <= end - 2; start++) {
      const before = fewest[start];
      if (before === undefined) continue;
      const part = word.slice(start, end);
      if (!RUN_TOGETHER_PARTS.has(part)) continue;
      const best = fewest[end];
      if (best === undefined || before.length + 1 < best.length) fewest[end] = [...before, part];
    }
  }
  return fewest[word.length] ?? [word];
}

/** Opt-out headers that name no channel: `Opted Out`, `Opt-out`, `Unsubscribed`, `Do Not Contact`. */
const BARE_OPT_OUTS: ReadonlySet<string> = new Set([
  'opted out',
  'opt out',
  'optout',
  'unsubscribed',
  'do not contact',
]);

/**
 * Whether a header is an opt-out that names no channel: no consent column by itself (an e-mail
 * tool's `Unsubscribed`), an SMS opt-out in a source that records SMS consent (map-fields.ts).
 */
export function isBareOptOut(header: string): boolean {
  return BARE_OPT_OUTS.has(headerWords(header).join(' '));
}

/** One-word flags saying not to text (`NOSMS`, as Data Loader writes `NoSms`). */
const NO_TEXTING_WORDS: ReadonlySet<string> = new Set(['nosms', 'notext', 'notexts', 'nomms']);

function consentColumn(words: readonly string[]): HeaderRole | undefined {
  const text = ` ${words.join(' ')} `;
  // `NoSms`, `No SMS`, `No texts`, `Don't text`, `Keine SMS`, `Pas de SMS`, `Geen SMS`: a flag
  // (not `Mobile No`, the number)
  if (
    words.some((word) => NO_TEXTING_WORDS.has(word)) ||
    / (?:no|dont|don t|keine|kein|geen|pas de|nessun|nessuno|ningun|ninguno|nenhum) (?:sms|texts?|texting|mms) /.test(
      text,
    )
  )
    return { kind: 'consent', consent: 'opt-out-flag' };
  if (!words.some((word) => SMS_CHANNEL.has(word))) return undefined;
  if (words.some((word) => EMAIL_WORDS.has(word))) return undefined;
  const optOut =
    words.some((word) => OPT_OUT_FLAG_WORDS.has(word)) ||
    / opt(?:ed)? out /.test(text) ||
    / do not /.test(text);
  if (optOut) return { kind: 'consent', consent: 'opt-out-flag' };
  if (words.some((word) => CONSENT_STATUS_WORDS.has(word)) || / opt(?:ed)? in /.test(text))
    return { kind: 'consent', consent: 'status' };
  return undefined;
}

/**
 * The rank of a phone header from its words, or `undefined` when it is no phone number column.
 * Mobile-like < general < home < work < other; a trailing number (`Business Phone 2`) orders
 * columns of one kind.
 */
function rankPhoneWords(words: readonly string[], otherEntity: boolean): number | undefined {
  const mobile = words.some((word) => MOBILE_WORDS.has(word));
  const general = words.some((word) => GENERAL_PHONE_WORDS.has(word));
  if (!mobile && !general) return undefined;
  if (words.some((word) => NOT_A_NUMBER_WORDS.has(word))) return undefined;
  // "Contact Email Mobile"? An e-mail column is not a phone column.
  if (words.some((word) => EMAIL_WORDS.has(word))) return undefined;
  return rankPhoneKind(words, otherEntity);
}

/** The rank of a phone of these words (a header's, or a label's plus `phone`). */
function rankPhoneKind(words: readonly string[], otherEntity: boolean): number {
  const order = Number(words.find(isNumberWord) ?? 0);
  const qualifiers = words.filter(
    (word) =>
      !MOBILE_WORDS.has(word) &&
      !GENERAL_PHONE_WORDS.has(word) &&
      !GENERAL_QUALIFIERS.has(word) &&
      !JOINING_WORDS.has(word) &&
      !isNumberWord(word),
  );
  const sub = (qualifierRank: number): number => qualifierRank * 100 + Math.min(order, 99);
  if (words.some((word) => LANDLINE_WORDS.has(word))) return PHONE_TIER.other + sub(3);
  if (otherEntity || qualifiers.some((word) => OTHER_ENTITIES.has(word))) return PHONE_TIER.other + sub(5);
  if (words.some((word) => MOBILE_WORDS.has(word))) {
    const whatsapp = words.includes('whatsapp') ? 1 : 0;
    return PHONE_TIER.mobile + sub(qualifiers.length === 0 ? whatsapp : 2 + whatsapp);
  }
  if (qualifiers.length === 0) return PHONE_TIER.general + sub(0);
  if (qualifiers.some((word) => HOME_WORDS.has(word))) return PHONE_TIER.other + sub(0);
  if (qualifiers.some((word) => WORK_WORDS.has(word))) return PHONE_TIER.other + sub(1);
  return PHONE_TIER.other + sub(2);
}

/**
 * The rank a header has as a phone column, for naming the likeliest phone columns of a source
 * where the header understanding found none (`phone-columns.ts`): a phone header's own rank;
 * otherwise its words read as a phone's label (`Work Number` ranks as a work phone, `Nummer` as a
 * general one). `undefined` for fax, pager and consent columns.
 *
 * @example rankPhoneCandidate('Work Number') // 2100: a work phone, after `Number` (1000)
 */
export function rankPhoneCandidate(header: string): number | undefined {
  const role = classifyHeader(header);
  if ((role?.kind === 'field' || role?.kind === 'pair-value') && role.field === 'mobile') return role.rank;
  if (role?.kind === 'never-phone' || role?.kind === 'consent') return undefined;
  const { words, otherEntity } = personWords(headerWords(header));
  return rankPhoneKind([...words, 'phone'], otherEntity);
}

/**
 * The rank of a phone whose kind is given by a row's label (`* Mobile`, `Work`, `Home Fax`), or
 * `undefined` for a fax or pager. An empty label ranks as a general phone.
 */
export function rankPhoneLabel(label: string, order: number): number | undefined {
  const first = label.split(':::')[0] ?? '';
  const words = headerWords(first);
  if (words.some((word) => NEVER_PHONE_WORDS.has(word))) return undefined;
  return rankPhoneKind([...words, 'phone', String(order)], false);
}

function rankEmailWords(words: readonly string[]): number | undefined {
  if (!words.some((word) => EMAIL_WORDS.has(word))) return undefined;
  if (words.some((word) => EMAIL_NOT_ADDRESS.has(word))) return undefined;
  let secondary = 0;
  let order = 0;
  for (const word of words) {
    if (EMAIL_WORDS.has(word) || EMAIL_QUALIFIERS.has(word) || JOINING_WORDS.has(word)) continue;
    if (isNumberWord(word)) order = Number(word);
    else if (EMAIL_SECONDARY.has(word) || isHomeWorkOrOther(word)) secondary = 1;
    else return undefined;
  }
  if (words.length === 1 && words[0] === 'mail') return 5;
  return secondary * 100 + Math.min(order, 99);
}

const isHomeWorkOrOther = (word: string): boolean =>
  HOME_WORDS.has(word) || WORK_WORDS.has(word) || OTHER_WORDS.has(word);

function rankCountryWords(words: readonly string[]): number | undefined {
  if (!words.some((word) => COUNTRY_WORDS.has(word))) return undefined;
  const qualifiers = words.filter((word) => !COUNTRY_WORDS.has(word) && !JOINING_WORDS.has(word));
  const known = (word: string): boolean =>
    COUNTRY_QUALIFIERS.has(word) || isHomeWorkOrOther(word) || isNumberWord(word);
  if (!qualifiers.every(known)) return undefined;
  const has = (...list: string[]): boolean => list.some((word) => qualifiers.includes(word));
  const hasOf = (set: ReadonlySet<string>): boolean => qualifiers.some((word) => set.has(word));
  if (
    qualifiers.length === 0 ||
    (qualifiers.length === 1 && (has('code', 'iso') || hasOf(COUNTRY_REGION_WORDS)))
  )
    return 0;
  if (has('mailing', 'primary') || hasOf(HOME_WORDS)) return 10;
  if (has('address', 'default', 'postal')) return 20;
  if (has('billing', 'shipping')) return 30;
  if (hasOf(WORK_WORDS)) return 40;
  return 45;
}

/** A value of an SMS consent column as the row's consent, or `undefined` when it says neither. */
export function readConsent(kind: ConsentColumnKind, value: string): 'opted-out' | 'granted' | undefined {
  const text = value
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
  if (text === '') return undefined;
  if (kind === 'opt-out-flag') return TRUTHY.has(text) || OPTED_OUT.test(text) ? 'opted-out' : undefined;
  if (/\b(?:never|not|non|no longer)\b/.test(text) && !OPTED_OUT.test(text)) return undefined;
  if (OPTED_OUT.test(text)) return 'opted-out';
  if (TRUTHY.has(text) || GRANTED.test(text)) return 'granted';
  return undefined;
}

const TRUTHY: ReadonlySet<string> = new Set(['true', 'yes', 'y', '1', 'x', 'oui', 'ja', 'si']);
const OPTED_OUT =
  /\b(?:unsubscribed|opted out|opt out|optout|blacklisted|blocklisted|blocked|stop|stopped|revoked|withdrawn|suppressed|unsubscribe)\b/;
const GRANTED = /\b(?:subscribed|opted in|opt in|optin|granted|consented|confirmed|accepted)\b/;
