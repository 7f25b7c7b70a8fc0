/**
 * Deterministic contact files for the benchmark and the chaos suite: varied real-world phone
 * formats from several countries and about 7% junk (empty, letters, Excel-mangled, too short).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { unlink } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { seededRandom } from '../../src/sandbox/prng.js';

const FIRST = [
  'Joe',
  'Maria',
  'Wei',
  'Aisha',
  'Tom',
  'Priya',
  'Lucas',
  'Emma',
  'Oliver',
  'Sophie',
  'Hannah',
  'Camille',
  'Arjun',
  'Ana',
];
const LAST = [
  'Bloggs',
  'Garcia',
  'Chen',
  'Khan',
  "O'Brien",
  'Patel',
  'Silva',
  'Wilson',
  'Brown',
  'Müller',
  'Dubois',
  'Sharma',
  'Souza',
];
const TAGS = ['customer', 'lead', 'vip', 'newsletter', 'customer|vip', ''];
const US_AREAS = [201, 202, 212, 213, 305, 312, 415, 617, 646, 718, 917];

type Pick = <T>(list: readonly T[]) => T;

/** One phone number as a CRM export might hold it, and the country column beside it. */
function phone(random: () => number, pick: Pick, serial: number): { mobile: string; country: string } {
  const n7 = String(serial % 10_000_000).padStart(7, '0');
  const junk = random();
  if (junk < 0.07) {
    const kinds = ['', 'n/a', '12345', '4.47911123456E+11', 'call office', '+1 212 555 01999999', '0000'];
    return { mobile: pick(kinds), country: 'US' };
  }
  switch (Math.floor(random() * 7)) {
    case 0: {
      const area = pick(US_AREAS);
      return { mobile: `(${area}) ${n7.slice(0, 3).replace(/^[01]/, '5')}-${n7.slice(3)}`, country: 'US' };
    }
    case 1:
      return {
        mobile: `+1 ${pick(US_AREAS)} ${n7.slice(0, 3).replace(/^[01]/, '6')} ${n7.slice(3)}`,
        country: '',
      };
    case 2:
      return { mobile: `07${pick(['911', '400', '700', '852'])} ${n7.slice(1)}`, country: 'GB' };
    case 3:
      return { mobile: `+49 15${pick(['1', '2', '7'])} ${n7}${serial % 10}`, country: 'DE' };
    case 4:
      return {
        mobile: `06 ${n7.slice(0, 2)} ${n7.slice(2, 4)} ${n7.slice(4, 6)} ${serial % 10}${(serial >> 3) % 10}`,
        country: 'FR',
      };
    case 5:
      return {
        mobile: `+91 9${n7.slice(0, 4)} ${n7.slice(4)}${String(serial % 100).padStart(2, '0')}`,
        country: 'IN',
      };
    default:
      return { mobile: `04${n7.slice(0, 2)} ${n7.slice(2, 5)} ${n7.slice(5)}${serial % 10}`, country: 'AU' };
  }
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes `rows` contacts as CSV to `path`; the same seed always gives the same bytes. */
export async function generateContactsCsv(path: string, rows: number, seed = 42): Promise<void> {
  const random = seededRandom(seed);
  const pick: Pick = (list) => list[Math.floor(random() * list.length)]!;
  const out = createWriteStream(path);
  out.write('first_name,last_name,mobile,email,country,tags\n');
  let buffer = '';
  for (let i = 0; i < rows; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const { mobile, country } = phone(random, pick, i * 7919 + 1_000_003);
    const email =
      random() < 0.02 ? 'not-an-email' : `${first}.${last}${i}@example.com`.toLowerCase().replace(/'/g, '');
    buffer += `${csvCell(first)},${csvCell(last)},${csvCell(mobile)},${email},${country},${csvCell(pick(TAGS))}\n`;
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

/**
 * The same contacts as {@link generateContactsCsv}, as an Excel workbook saved the way Excel saves
 * one: shared strings, stored after the sheet, and digit-only phone numbers stored as numbers
 * (what typing them into Excel does).
 */
export async function generateContactsXlsx(path: string, rows: number, seed = 42): Promise<void> {
  // Loaded here, not with the module: the bench's children import this file, and exceljs would
  // add ~10 MB to the peak RSS of runs that read no workbook (the CLI loads it only for one).
  const { default: ExcelJS } = await import('exceljs');
  const csv = `${path}.csv`;
  await generateContactsCsv(csv, rows, seed);
  try {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
    const sheet = workbook.addWorksheet('Contacts');
    const records = createReadStream(csv).pipe(parse({ relax_column_count: true }));
    for await (const record of records as AsyncIterable<string[]>) {
      sheet.addRow(record.map((cell) => (/^[1-9][0-9]{0,14}$/.test(cell) ? Number(cell) : cell))).commit();
    }
    sheet.commit();
    await workbook.commit();
  } finally {
    await unlink(csv);
  }
}
