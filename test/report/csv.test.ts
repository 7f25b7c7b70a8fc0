import fs from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, test, vi } from 'vitest';

import { CsvFile, cellText, formatReportCsv } from '../../src/report/csv.js';
import { spreadsheetSafe } from '../../src/report/index.js';

describe('spreadsheetSafe', () => {
  test.each([
    ['=1+2', "'=1+2"],
    ['+447700900123', "'+447700900123"],
    ['-5', "'-5"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', "'\rcmd"],
    ['Alice', 'Alice'],
    ['a=b', 'a=b'],
    [' =x', ' =x'],
    ["'already", "'already"],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(spreadsheetSafe(input)).toBe(expected);
  });
});

describe('formatReportCsv (RFC 4180)', () => {
  test.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(formatReportCsv([[input]])).toBe(`${expected}\n`);
  });

  test('a record round-trips through a CSV parser', () => {
    const fields = ['1', 'a,b', 'say "hi"', 'multi\nline\r\nvalue', '', "'=x"];
    const parsed = parse(formatReportCsv([fields])) as string[][];
    expect(parsed).toEqual([fields]);
  });
});

describe('cellText', () => {
  test.each([
    ['text', 'text'],
    [42, '42'],
    [true, 'true'],
    [null, ''],
    [undefined, ''],
    [{ number: '+1 555', country: 'US' }, '{"number":"+1 555","country":"US"}'],
    [['a', 'b'], '["a","b"]'],
  ])('%j → %j', (input, expected) => {
    expect(cellText(input)).toBe(expected);
  });
});

/** Cells that exercise every quoting and spreadsheet-safety rule. */
const AWKWARD = [
  'plain',
  '',
  'a,b',
  'say "hi"',
  '"',
  'two\nlines',
  'crlf\r\nhere',
  'cr\ronly',
  ' lead',
  'trail ',
  '\u00a0nbsp',
  'tab\tin',
  '=SUM(A1)',
  '+447700900123',
  '-5',
  '@x',
  '\tcmd',
  '\rcr',
  "O'Brien",
  'Zoë 日本 😀',
  'a|b',
  ';semi;',
];

const EXPECTED_BYTES =
  'line,status\nplain,,"a,b","say ""hi""","""","two\nlines","crlf\r\nhere","cr\ronly", lead,trail ,\u00a0nbsp,tab\tin,=SUM(A1),+447700900123,-5,@x,\tcmd,"\rcr",O\'Brien,Zoë 日本 😀,a|b,;semi;\n' +
  'plain,,"a,b","say ""hi""","""","two\nlines","crlf\r\nhere","cr\ronly", lead,trail ,\u00a0nbsp,tab\tin,\'=SUM(A1),\'+447700900123,\'-5,\'@x,\'\tcmd,"\'\rcr",O\'Brien,Zoë 日本 😀,a|b,;semi;\n';

const realWrite = fs.write;
const realWritev = fs.writev;

describe('report CSV bytes', () => {
  test('are exactly those of the hand-written writer before csv-stringify (LF, quotes only where needed, no BOM)', () => {
    const text = formatReportCsv([['line', 'status'], AWKWARD, AWKWARD.map(spreadsheetSafe)]);
    expect(text).toBe(EXPECTED_BYTES);
  });

  test('CsvFile writes the same bytes record by record, across several formatting batches', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sakari-csv-'));
    try {
      const path = join(dir, 'out.csv');
      const file = await CsvFile.create(path, 0o600);
      file.write(['line', 'status']);
      file.write(AWKWARD);
      file.write(AWKWARD.map(spreadsheetSafe));
      let tail = '';
      for (let i = 0; i < 1_234; i += 1) {
        file.write([String(i), i % 2 === 0 ? 'a "b"' : '=c']);
        tail += i % 2 === 0 ? `${i},"a ""b"""\n` : `${i},=c\n`;
        if (i === 700) await new Promise((resolve) => setImmediate(resolve));
      }
      await file.close();
      expect(await readFile(path, 'utf8')).toBe(EXPECTED_BYTES + tail);
      expect(() => file.write(['late'])).toThrow(/write after close/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('CsvFile keeps lines, records and bytes in order across blocks, whatever their characters and length', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sakari-csv-'));
    // The disk is slow: each write reaches the file 5 ms after it was asked for, so bytes handed to
    // the stream are still waiting while the next lines are written (they must land elsewhere).
    const later =
      (real: unknown) =>
      (...args: unknown[]): void => {
        setTimeout(() => (real as (...a: unknown[]) => void)(...args), 5);
      };
    const spies = [
      vi.spyOn(fs, 'write').mockImplementation(later(realWrite) as typeof fs.write),
      vi.spyOn(fs, 'writev').mockImplementation(later(realWritev) as typeof fs.writev),
    ];
    try {
      const path = join(dir, 'out.csv');
      const file = await CsvFile.create(path, 0o600);
      let expected = '';
      // Lines of 1-, 2-, 3- and 4-byte characters (an emoji is two UTF-16 units), enough of them to
      // fill several 256 KiB blocks, lines longer than a block, records and bytes in between.
      const samples = ['plain ascii', 'Zoë Müller', '東京 電話', '😀 party', '€'];
      for (let i = 0; i < 30_000; i++) {
        const line = `${i},${(samples[i % samples.length] as string).repeat(1 + (i % 7))}\n`;
        file.writeLine(line);
        expected += line;
        if (i % 997 === 0) {
          file.write([String(i), 'a,b']);
          expected += `${i},"a,b"\n`;
        }
        if (i % 1_499 === 0) {
          const bytes = `bytes ${i} ✓\n`;
          file.writeBytes(Buffer.from(bytes, 'utf8'));
          expected += bytes;
        }
        if (i === 12_000 || i === 25_000) {
          const long = `${i},${'€'.repeat(100_000)}😀\n`;
          file.writeLine(long);
          expected += long;
        }
        if (i % 5_000 === 0) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await file.close();
      const written = await readFile(path);
      expect(written.length).toBe(Buffer.byteLength(expected, 'utf8'));
      expect(written.toString('utf8')).toBe(expected);
    } finally {
      for (const spy of spies) spy.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('CsvFile reaches the file without being closed, in few large writes of whole records', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sakari-csv-'));
    // The size of every write reaching the file (fs.write, or fs.writev for corked pieces).
    const writes: number[] = [];
    const spies = [
      vi.spyOn(fs, 'write').mockImplementation(((...args: unknown[]) => {
        writes.push((args[1] as Buffer).length);
        return (realWrite as (...a: unknown[]) => void)(...args);
      }) as typeof fs.write),
      vi.spyOn(fs, 'writev').mockImplementation(((...args: unknown[]) => {
        writes.push((args[1] as Buffer[]).reduce((sum, buffer) => sum + buffer.length, 0));
        return (realWritev as (...a: unknown[]) => void)(...args);
      }) as typeof fs.writev),
    ];
    try {
      const path = join(dir, 'out.csv');
      const file = await CsvFile.create(path, 0o600);
      file.write(['first', 'record']);
      // A record written alone is on disk soon, though the file stays open.
      await vi.waitFor(async () => expect(await readFile(path, 'utf8')).toBe('first,record\n'), {
        timeout: 2_000,
        interval: 10,
      });
      // 20,000 records written the way a run writes them, a few per event-loop turn.
      let expected = 'first,record\n';
      for (let i = 0; i < 20_000; i++) {
        file.write([String(i), 'unchanged', '', '', `07700 9${String(i).padStart(5, '0')}`]);
        expected += `${i},unchanged,,,07700 9${String(i).padStart(5, '0')}\n`;
        if (i % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await vi.waitFor(async () => expect(await readFile(path, 'utf8')).toBe(expected), {
        timeout: 5_000,
        interval: 20,
      });
      // ~760 KB in a handful of writes, not one per turn (5,000 turns), each ending a record.
      expect(writes.length).toBeLessThan(50);
      const bytes = await readFile(path);
      expect(writes.reduce((sum, size) => sum + size, 0)).toBe(bytes.length);
      let offset = 0;
      for (const size of writes) {
        offset += size;
        expect(bytes[offset - 1]).toBe(0x0a);
      }
      await file.close();
    } finally {
      for (const spy of spies) spy.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
