/**
 * The vCard reader: an address book (`.vcf`, vCard 2.1, 3.0 or 4.0, as exported by iPhone/iCloud,
 * Android, Google Contacts or Outlook) streamed card by card, one {@link SourceRow} per card.
 *
 * The file is split into cards while it is read (`BEGIN:VCARD` … `END:VCARD`), so memory holds
 * one card at a time however large the address book. Each card is parsed by ical.js (Mozilla's
 * vCard/iCalendar parser) after a small pre-pass for what ical.js does not read:
 * - vCard 2.1 (Android, old Outlook and Nokia exports): bare parameters (`TEL;CELL;PREF:`) become
 *   `TYPE=` parameters; `ENCODING=QUOTED-PRINTABLE` values (with `=` soft line breaks) are decoded
 *   in their `CHARSET` (UTF-8 when none); the card is then read with vCard 3.0 rules.
 * - PHOTO, LOGO, SOUND and KEY are skipped while reading (base64 blocks, folded or 2.1-style),
 *   never held in memory.
 * - Folded lines (a line starting with a space or TAB continues the previous one) are joined.
 *
 * A card becomes a record with the keys of an Outlook contacts export, which the mapping stage
 * understands and ranks like any CSV header: `Name` (FN); `First Name`, `Middle Name`,
 * `Last Name`, `Name Prefix`, `Name Suffix` (N); `E-mail Address`, `E-mail 2 Address`…;
 * `Mobile Phone` (TEL of type CELL, mobile, iPhone, or an iOS `item1.X-ABLabel` saying so),
 * `Home Phone`, `Business Phone` (WORK), `Other Phone`, `Phone` (no type, or only VOICE/PREF/MAIN),
 * `Home Fax`, `Business Fax`, `Other Fax`, `Pager`; `Categories` (comma-separated);
 * `Country/Region` (country of the preferred, else first, ADR that has one); `Organization`,
 * `Department` (ORG), `Title`, `Nickname`, `Note`, `Birthday`. Several numbers of one kind are
 * joined with ` ::: `, preferred first. Only fields the card has are keys, except that a card
 * with a number has all five voice keys (`Mobile Phone` … `Other Phone`), empty where it has no
 * such number, so that the mapping ranks every card against the same phone columns.
 *
 * Rows a user meets: `ref.line` is the line of the card's `BEGIN:VCARD`; a card without any TEL
 * is `PHONE_MISSING`; a card that cannot be parsed, is longer than {@link MAX_RECORD_CHARS}, or
 * has no `END:VCARD` before the next `BEGIN:VCARD` or the end of the file is `RECORD_MALFORMED`,
 * and the cards after it are read. A `BEGIN:VCARD` inside a card is a nested card only right
 * after an `AGENT` property (vCard 2.1); `END:VCARD` and the next `BEGIN:VCARD` on one line
 * (files joined without a final line break) are two lines. Group cards
 * (`X-ADDRESSBOOKSERVER-KIND:group`, `KIND:group`) are not contacts: they are skipped. Text
 * outside cards is ignored; a file without any card is `SOURCE_EMPTY`.
 */

import ICAL from 'ical.js';

import {
  excerpt,
  makeMalformedRow,
  makeRow,
  MAX_RECORD_CHARS,
  type ReaderContext,
  RowBatch,
} from './context.js';
import { SourceError, describeSource } from './errors.js';
import type { SourceRow } from '../types.js';

/** Properties whose (large, binary) values are skipped while reading. */
const SKIPPED_PROPERTIES = new Set(['PHOTO', 'LOGO', 'SOUND', 'KEY']);

/** What joins several numbers or addresses of one kind in one cell (the mapping stage splits on it). */
export const MULTI_VALUE_SEPARATOR = ' ::: ';

/** The start of a property line: `[group.]NAME` followed by `;` or `:`. */
const PROPERTY_START = /^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)[;:]/;

/** `END:VCARD` with more on its line (files joined without a final line break); group 1: the rest. */
const GLUED_END = /^end:vcard\s*(\S.*)$/i;

/**
 * Reads vCard text into one row per card, handed over in batches (the cards completed by one
 * chunk of text), in file order.
 */
export async function* readVcard(
  text: AsyncIterable<string>,
  context: ReaderContext,
): AsyncGenerator<SourceRow[]> {
  const cards = new CardSplitter(context);
  let buffer = '';
  let lineNumber = 0;
  const breaks = /\r\n|\n|\r/g;
  for await (const chunk of text) {
    buffer += chunk;
    breaks.lastIndex = 0;
    let start = 0;
    for (let match = breaks.exec(buffer); match !== null; match = breaks.exec(buffer)) {
      // A CR at the very end may be the first half of a CRLF still to come.
      if (match[0] === '\r' && match.index === buffer.length - 1) break;
      cards.line(buffer.slice(start, match.index), ++lineNumber);
      start = match.index + match[0].length;
    }
    buffer = buffer.slice(start);
    if (buffer.length > MAX_RECORD_CHARS) {
      // One line this long is a base64 blob on one line (or not a vCard): never hold it.
      cards.overlongLine(buffer, ++lineNumber);
      buffer = '';
      // The rest of that line is dropped up to its end.
      cards.dropUntilLineEnd = true;
    }
    if (cards.pending) yield cards.take();
  }
  if (buffer !== '') cards.line(buffer, ++lineNumber);
  cards.end();
  if (cards.pending) yield cards.take();
  if (!cards.sawCard) {
    throw new SourceError(
      'SOURCE_EMPTY',
      context.file,
      `${describeSource(context.file)} holds no vCard (no BEGIN:VCARD line)`,
    );
  }
}

/** One card being collected: its logical (unfolded) property lines. */
interface OpenCard {
  beginLine: number;
  lines: string[];
  chars: number;
  /** Set when the card can no longer become a record (too long); it is still read to its end. */
  problem?: string;
  /** The last property is being skipped (PHOTO…), continuation lines included. */
  skipping: boolean;
  /** The last property is quoted-printable and its last line ended with a soft break `=`. */
  softBreak: boolean;
  /** Nested cards (2.1 AGENT) being skipped. */
  depth: number;
  /** The last property line was an AGENT (2.1 writes its card on the lines after it). */
  afterAgent: boolean;
}

/** Collects lines into cards and turns each finished card into a row. */
class CardSplitter {
  sawCard = false;
  dropUntilLineEnd = false;
  private card: OpenCard | undefined;
  private readonly batch = new RowBatch();

  constructor(private readonly context: ReaderContext) {}

  get pending(): boolean {
    return this.batch.pending;
  }

  take(): SourceRow[] {
    return this.batch.take();
  }

  line(text: string, lineNumber: number): void {
    if (this.dropUntilLineEnd) {
      this.dropUntilLineEnd = false;
      return;
    }
    const trimmed = text.trim();
    const glued = GLUED_END.exec(trimmed);
    if (glued !== null) {
      // Files joined without a final line break (`cat a.vcf b.vcf`): `END:VCARDBEGIN:VCARD`.
      this.line('END:VCARD', lineNumber);
      this.line(glued[1] as string, lineNumber);
      return;
    }
    const card = this.card;
    if (/^begin:vcard$/i.test(trimmed)) {
      if (card === undefined) this.open(lineNumber);
      else if (card.afterAgent) {
        // A 2.1 AGENT's card, nested in this one: skipped.
        card.depth++;
        card.afterAgent = false;
      } else {
        // Not an AGENT's card: the open card lost its END:VCARD, and this line starts the next one.
        this.unterminated(card, `before the next BEGIN:VCARD (line ${lineNumber})`);
        this.open(lineNumber);
      }
      return;
    }
    if (card === undefined) return;
    if (/^end:vcard$/i.test(trimmed)) {
      card.afterAgent = false;
      if (card.depth > 0) card.depth--;
      else this.close(card);
      return;
    }
    if (trimmed === '') {
      // `N;…;ENCODING=QUOTED-PRINTABLE:…=` then a blank line, as Sony Ericsson and Nokia phones
      // export: the value ends there, and the next line is a property of its own (the TEL;CELL
      // that follows was glued to the name, and the card lost its mobile).
      if (card.softBreak) this.endSoftBreak(card);
      return;
    }
    if (card.depth > 0) {
      // Inside a nested card only an AGENT matters: it may nest one more.
      const nested = PROPERTY_START.exec(text);
      if (nested !== null) card.afterAgent = (nested[2] as string).toUpperCase() === 'AGENT';
      return;
    }
    if (card.softBreak) {
      // Quoted-printable soft line break: this line continues the value.
      this.appendToLast(card, text.replace(/^[ \t]+/, ''));
      return;
    }
    if (text.startsWith(' ') || text.startsWith('\t')) {
      if (!card.skipping) this.appendToLast(card, text.slice(1));
      return;
    }
    const property = PROPERTY_START.exec(text);
    if (property === null) {
      // Not a property: a 2.1 base64 block without indentation, or debris. Never a field.
      return;
    }
    const name = (property[2] as string).toUpperCase();
    card.afterAgent = name === 'AGENT';
    card.skipping = SKIPPED_PROPERTIES.has(name);
    card.softBreak = false;
    if (card.skipping) return;
    if (card.afterAgent && /^begin:vcard$/i.test(text.slice(valueStart(text) + 1).trim())) {
      // `AGENT:BEGIN:VCARD`: the agent's card starts on the AGENT line itself.
      card.depth++;
      card.afterAgent = false;
      return;
    }
    this.push(card, text);
  }

  /** A line too long to hold: ends a skipped property, or spoils the card. */
  overlongLine(start: string, lineNumber: number): void {
    const card = this.card;
    if (card === undefined || card.depth > 0) return;
    const property = PROPERTY_START.exec(start);
    if (property !== null) {
      card.skipping = SKIPPED_PROPERTIES.has((property[2] as string).toUpperCase());
      card.softBreak = false;
    }
    if (!card.skipping) {
      card.problem ??= `line ${lineNumber} is longer than ${MAX_RECORD_CHARS} characters`;
    }
  }

  end(): void {
    const card = this.card;
    if (card !== undefined) this.unterminated(card, 'before the end of the file');
  }

  /** A card whose END:VCARD never came (`where`: what came instead) is a malformed row. */
  private unterminated(card: OpenCard, where: string): void {
    this.card = undefined;
    this.batch.push(
      makeMalformedRow(
        this.context,
        card.beginLine,
        { _raw: excerpt(card.lines.join('\n')) },
        `the card starting at line ${card.beginLine} has no END:VCARD ${where}`,
      ),
    );
  }

  private open(lineNumber: number): void {
    this.sawCard = true;
    this.card = {
      beginLine: lineNumber,
      lines: [],
      chars: 0,
      skipping: false,
      softBreak: false,
      depth: 0,
      afterAgent: false,
    };
  }

  private push(card: OpenCard, text: string): void {
    if (card.problem !== undefined) return;
    card.lines.push(text);
    this.count(card, text);
    card.softBreak = isQuotedPrintable(text) && text.endsWith('=');
  }

  private appendToLast(card: OpenCard, text: string): void {
    if (card.problem !== undefined || card.lines.length === 0) return;
    let last = card.lines.pop() as string;
    if (card.softBreak) last = last.slice(0, -1);
    const joined = last + text;
    card.lines.push(joined);
    this.count(card, text);
    card.softBreak = card.softBreak ? text.endsWith('=') : isQuotedPrintable(joined) && joined.endsWith('=');
  }

  /** A soft line break with nothing after it: its `=` is dropped, and the value ends. */
  private endSoftBreak(card: OpenCard): void {
    card.softBreak = false;
    const last = card.lines.pop();
    if (last !== undefined) card.lines.push(last.slice(0, -1));
  }

  private count(card: OpenCard, text: string): void {
    card.chars += text.length;
    if (card.chars > MAX_RECORD_CHARS) {
      card.problem = `the card is longer than ${MAX_RECORD_CHARS} characters (photos aside)`;
      card.lines = [];
    }
  }

  private close(card: OpenCard): void {
    this.card = undefined;
    if (card.problem !== undefined) {
      this.batch.push(makeMalformedRow(this.context, card.beginLine, {}, card.problem));
      return;
    }
    let properties: CardProperty[];
    try {
      properties = parseCard(card.lines);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.batch.push(
        makeMalformedRow(
          this.context,
          card.beginLine,
          { _raw: excerpt(card.lines.join('\n')) },
          `unreadable vCard: ${reason}`,
        ),
      );
      return;
    }
    // A contact group (its members are other cards), not a contact: the pre-flight counts them.
    if (isGroupCard(properties)) {
      const { info } = this.context;
      if (info.groupCards === undefined) info.groupCards = { count: 1, firstLine: card.beginLine };
      else info.groupCards.count++;
      return;
    }
    const raw = cardRecord(properties);
    const hasPhone = properties.some((property) => property.name === 'tel' && telText(property) !== '');
    this.batch.push(
      hasPhone
        ? makeRow(this.context, card.beginLine, raw)
        : makeRow(this.context, card.beginLine, raw, {
            code: 'PHONE_MISSING',
            message: 'the card has no phone number (TEL)',
            field: 'mobile',
          }),
    );
  }
}

/** Apple's `X-ADDRESSBOOKSERVER-KIND:group` (iCloud, macOS, CardDAV) or vCard 4.0's `KIND:group`. */
function isGroupCard(properties: readonly CardProperty[]): boolean {
  return properties.some(
    (property) =>
      (property.name === 'kind' || property.name === 'x-addressbookserver-kind') &&
      textOf(property.values[0])?.trim().toLowerCase() === 'group',
  );
}

function isQuotedPrintable(line: string): boolean {
  const colon = valueStart(line);
  const params = line.slice(0, colon === -1 ? line.length : colon);
  return /;\s*(encoding\s*=\s*)?quoted-printable\s*(;|$)/i.test(params);
}

/** The index of the `:` that ends the name and parameters (a `:` inside a quoted parameter does not). */
function valueStart(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === '"') quoted = !quoted;
    else if (char === ':' && !quoted) return i;
  }
  return -1;
}

/** A property as ical.js read it (jCard: name, parameters, type, values). */
export interface CardProperty {
  name: string;
  params: Record<string, unknown>;
  values: unknown[];
}

/**
 * Parses one card's logical lines (between BEGIN and END) with ical.js, after rewriting what
 * vCard 2.1 writes differently. Throws when ical.js cannot read the card.
 */
export function parseCard(lines: readonly string[]): CardProperty[] {
  const normalised: string[] = [];
  let version = '';
  for (const line of lines) {
    const rewritten = rewriteLine(line);
    if (rewritten === undefined) continue;
    if (/^(?:[A-Za-z0-9-]+\.)?(?:begin|end)[;:]/i.test(rewritten)) {
      // ical.js would take it for the start or end of a component and lose its place (a TypeError).
      throw new Error(`"${excerpt(line)}" is not a property: BEGIN and END only start and end a card`);
    }
    if (/^version:/i.test(rewritten)) {
      version = rewritten.slice(8).trim();
      // ical.js knows 3.0 and 4.0; 2.1 after the rewrite reads as 3.0.
      normalised.push(version === '4.0' ? 'VERSION:4.0' : 'VERSION:3.0');
      continue;
    }
    normalised.push(rewritten);
  }
  if (version === '') normalised.unshift('VERSION:3.0');
  const parsed = ICAL.parse(`BEGIN:VCARD\r\n${normalised.join('\r\n')}\r\nEND:VCARD\r\n`) as unknown;
  const component = (
    Array.isArray(parsed) && typeof parsed[0] === 'string' ? parsed : (parsed as unknown[])[0]
  ) as [string, unknown[]];
  const properties = component[1] as Array<[string, Record<string, unknown>, string, ...unknown[]]>;
  return properties.map(([name, params, , ...values]) => ({ name, params, values }));
}

/**
 * One property line in the syntax ical.js reads: bare 2.1 parameters become `TYPE=`,
 * quoted-printable values are decoded in their charset and the ENCODING/CHARSET parameters
 * dropped. Throws for a line without a value (an unclosed quote in its parameters).
 */
function rewriteLine(line: string): string | undefined {
  const colon = valueStart(line);
  if (colon === -1) throw new Error(`no value after the parameters of "${excerpt(line)}"`);
  const head = line.slice(0, colon);
  let value = line.slice(colon + 1);
  const [nameWithGroup, ...rawParams] = splitParams(head);
  if (nameWithGroup === undefined || nameWithGroup.trim() === '') return undefined;
  let quotedPrintable = false;
  let charset: string | undefined;
  const params: string[] = [];
  for (const param of rawParams) {
    const trimmed = param.trim();
    if (trimmed === '') continue;
    const equals = trimmed.indexOf('=');
    if (equals === -1) {
      const upper = trimmed.toUpperCase();
      if (upper === 'QUOTED-PRINTABLE') quotedPrintable = true;
      else if (!['BASE64', 'B', '8BIT', '7BIT'].includes(upper)) params.push(`TYPE=${trimmed}`);
      continue;
    }
    const key = trimmed.slice(0, equals).trim().toUpperCase();
    const paramValue = trimmed.slice(equals + 1).trim();
    if (key === 'ENCODING') {
      if (paramValue.toUpperCase() === 'QUOTED-PRINTABLE') quotedPrintable = true;
      continue;
    }
    if (key === 'CHARSET') {
      charset = paramValue.replace(/^"|"$/g, '');
      continue;
    }
    params.push(`${key}=${paramValue}`);
  }
  if (quotedPrintable) {
    // Escape what the decoded text holds that would end the line or start an escape.
    value = decodeQuotedPrintable(value, charset)
      .replace(/\\/g, '\\\\')
      .replace(/\r\n|\n|\r/g, '\\n');
  }
  return `${nameWithGroup.trim()}${params.map((param) => `;${param}`).join('')}:${value}`;
}

/** `NAME;A=1;B="x;y"` → `['NAME', 'A=1', 'B="x;y"']`. */
function splitParams(head: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of head) {
    if (char === '"') quoted = !quoted;
    if (char === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** Quoted-printable bytes (`=C3=A9`) decoded in `charset` (UTF-8 when absent or unknown). */
export function decodeQuotedPrintable(value: string, charset = 'utf-8'): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const char = value.charCodeAt(i);
    if (char === 0x3d && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (char < 0x80) {
      bytes.push(char);
    } else {
      bytes.push(...Buffer.from(value[i] as string, 'utf8'));
    }
  }
  let label = charset;
  try {
    new TextDecoder(label);
  } catch {
    // An unknown charset label: UTF-8 is what such a card most likely holds.
    label = 'utf-8';
  }
  // Decoded as a stream: Node 20's one-shot decode of windows-1252 takes a shortcut that reads
  // 0x80–0x9F as C1 controls instead of `€ ‚ „ … ‘ ’ “ ”`; the streaming path decodes them right.
  const decoder = new TextDecoder(label);
  return decoder.decode(Uint8Array.from(bytes), { stream: true }) + decoder.decode();
}

/**
 * The kinds of phone numbers, as Outlook names their columns, in the order they are written: the
 * keys the vCard reader and the JSON reader (phone arrays, `json-records.ts`) write numbers under.
 */
export const PHONE_KEYS = [
  'Mobile Phone',
  'Phone',
  'Home Phone',
  'Business Phone',
  'Other Phone',
  'Home Fax',
  'Business Fax',
  'Other Fax',
  'Pager',
] as const;
export type PhoneKey = (typeof PHONE_KEYS)[number];
/** The kinds a mobile may come from: present, maybe empty, on every card (record) with a number. */
export const VOICE_KEYS: ReadonlySet<PhoneKey> = new Set([
  'Mobile Phone',
  'Phone',
  'Home Phone',
  'Business Phone',
  'Other Phone',
]);

/** The Outlook-style record of a parsed card. */
export function cardRecord(properties: readonly CardProperty[]): Record<string, string> {
  const record: Record<string, string> = {};
  const set = (key: string, value: string | undefined): void => {
    const cleaned = value?.trim();
    if (cleaned !== undefined && cleaned !== '' && record[key] === undefined) record[key] = cleaned;
  };
  const first = (name: string): CardProperty | undefined =>
    properties.find((property) => property.name === name);

  set('Name', textOf(first('fn')?.values[0]));
  const n = first('n')?.values[0];
  if (n !== undefined) {
    const parts = Array.isArray(n) ? n : [n];
    set('First Name', textOf(parts[1]));
    set('Middle Name', textOf(parts[2]));
    set('Last Name', textOf(parts[0]));
    set('Name Prefix', textOf(parts[3]));
    set('Name Suffix', textOf(parts[4]));
  }

  const labels = new Map<string, string>();
  for (const property of properties) {
    const group = property.params.group;
    if (property.name === 'x-ablabel' && typeof group === 'string') {
      labels.set(group.toLowerCase(), appleLabel(textOf(property.values[0]) ?? ''));
    }
  }
  const phones = new Map<PhoneKey, Array<{ text: string; rank: number }>>();
  for (const property of properties) {
    if (property.name !== 'tel') continue;
    const text = telText(property);
    if (text === '') continue;
    const group = property.params.group;
    const label = typeof group === 'string' ? (labels.get(group.toLowerCase()) ?? '') : '';
    const key = phoneKey(typesOf(property), label);
    const list = phones.get(key) ?? [];
    list.push({ text, rank: preference(property) });
    phones.set(key, list);
  }
  for (const key of PHONE_KEYS) {
    const list = phones.get(key);
    if (list) set(key, byPreference(list).join(MULTI_VALUE_SEPARATOR));
    // A card with a number has each voice column, empty where it has no such number, as every
    // row of an Outlook export has them: the mapping then ranks every card against the same
    // columns, so a card with only a home or work number says its mobile came from that column.
    else if (phones.size > 0 && VOICE_KEYS.has(key)) record[key] = '';
  }

  const emails = byPreference(
    properties
      .filter((property) => property.name === 'email')
      .map((property) => ({ text: textOf(property.values[0])?.trim() ?? '', rank: preference(property) }))
      .filter((email) => email.text !== ''),
  );
  emails.forEach((email, index) =>
    set(index === 0 ? 'E-mail Address' : `E-mail ${index + 1} Address`, email),
  );

  const categories = properties
    .filter((property) => property.name === 'categories')
    .flatMap((property) => property.values.flatMap((value) => (Array.isArray(value) ? value : [value])))
    .map((value) => textOf(value)?.trim() ?? '')
    .filter((value) => value !== '');
  if (categories.length > 0) set('Categories', [...new Set(categories)].join(','));

  const addresses = properties
    .filter((property) => property.name === 'adr')
    .map((property) => {
      const parts = property.values[0];
      const country = Array.isArray(parts) ? textOf(parts[6]) : undefined;
      return { text: country?.trim() ?? '', rank: preference(property) };
    })
    .filter((address) => address.text !== '');
  set('Country/Region', byPreference(addresses)[0]);

  const org = first('org')?.values[0];
  if (org !== undefined) {
    const parts = Array.isArray(org) ? org : [org];
    set('Organization', textOf(parts[0]));
    set('Department', textOf(parts[1]));
  }
  set('Title', textOf(first('title')?.values[0]));
  set('Nickname', textOf(first('nickname')?.values[0]));
  set('Note', textOf(first('note')?.values[0]));
  set('Birthday', textOf(first('bday')?.values[0]));
  return record;
}

/**
 * The column a TEL goes to, from its TYPE parameters (also as an `X-` extension: Android writes
 * `TEL;X-Mobile:`) and its iOS label.
 */
function phoneKey(types: ReadonlySet<string>, label: string): PhoneKey {
  const has = (...names: string[]): boolean =>
    names.some((name) => types.has(name) || types.has(`x-${name}`) || label.includes(name));
  if (has('fax')) return has('home') ? 'Home Fax' : has('work') ? 'Business Fax' : 'Other Fax';
  if (has('pager')) return 'Pager';
  if (has('cell', 'mobile', 'iphone', 'pcs') || types.has('text')) return 'Mobile Phone';
  if (has('home')) return 'Home Phone';
  if (has('work')) return 'Business Phone';
  if (has('other')) return 'Other Phone';
  const general = new Set(['voice', 'pref', 'main', 'internet', 'x-main']);
  const unknown = [...types].some((type) => !general.has(type)) || (label !== '' && !label.includes('main'));
  return unknown ? 'Other Phone' : 'Phone';
}

/** `_$!<Mobile>!$_` (an iOS standard label) → `mobile`; a custom label as it is, lower-cased. */
function appleLabel(label: string): string {
  return label
    .replace(/^_\$!<(.*)>!\$_$/, '$1')
    .trim()
    .toLowerCase();
}

/** The TYPE parameters, lower-cased (`TYPE=CELL,VOICE` and repeated TYPE alike). */
function typesOf(property: CardProperty): Set<string> {
  const type = property.params.type;
  const list = Array.isArray(type) ? type : type === undefined ? [] : [type];
  return new Set(
    list.flatMap((value) =>
      String(value)
        .toLowerCase()
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    ),
  );
}

/** Lower sorts first: PREF=1 (4.0) or TYPE=PREF (2.1/3.0) before the rest. */
function preference(property: CardProperty): number {
  const pref = Number(property.params.pref);
  if (Number.isInteger(pref) && pref > 0) return pref;
  return typesOf(property).has('pref') ? 1 : 101;
}

function byPreference(list: ReadonlyArray<{ text: string; rank: number }>): string[] {
  return [...list].sort((a, b) => a.rank - b.rank).map((item) => item.text);
}

/** A TEL's number: a 4.0 `tel:` URI loses its scheme. */
function telText(property: CardProperty): string {
  const value = textOf(property.values[0])?.trim() ?? '';
  return value.replace(/^tel:/i, '').trim();
}

/** A value as text: a structured value's parts joined with spaces; 3.0 escapes ical.js leaves undone. */
function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    const parts = value.map(textOf).filter((part): part is string => part !== undefined && part !== '');
    return parts.join(' ');
  }
  return String(value).replace(/\\([;,\\])/g, '$1');
}
