import { describe, expect, test } from 'vitest';
import { CsvScan, type ScannedRecord } from '../../src/read/csv-scan.js';
import { MAX_RECORD_CHARS } from '../../src/read/context.js';

describe('CsvScan queue', () => {
  test('records taken are dropped even when the queue never runs empty', () => {
    // csv-parse may keep the last record of a write until the next one: the reader then takes all
    // but one record per chunk, and the queue must not keep an entry per record of the file.
    const scan = new CsvScan(',');
    let line = 1;
    let pending = 0;
    let taken = 0;
    for (let chunk = 0; chunk < 1_000; chunk++) {
      let text = '';
      for (let row = 0; row < 50; row++) text += `a${line++},b\n`;
      scan.push(text);
      pending += 50;
      for (; pending > 1; pending--)
        expect(scan.next()).toMatchObject({ kind: 'record', line: ++taken, hasNul: false });
      expect(scan.queueEntries).toBeLessThan(2_100);
    }
    expect(scan.next()).toMatchObject({ kind: 'record', line: 50_000, hasNul: false });
    expect(scan.next()).toBeUndefined();
  });
});

describe('CsvScan record pieces', () => {
  /** Every record's piece of the text each push returned, as `ScannedRecord.end` cuts it. */
  function pieces(scan: CsvScan, texts: string[], text: string): void {
    let start = 0;
    for (const record of scan.pushed()) {
      if (record.kind !== 'record') continue;
      texts.push(text.slice(start, record.end));
      start = record.end;
    }
    // After the last record: blank lines only.
    expect(text.slice(start)).toMatch(/^[\r\n]*$/);
  }

  const records = [
    'name,phone',
    'Ann,+447700900001',
    '"Smith, Bob","+44 7700 900002"',
    '"multi\nline\r\nnote",07700900003',
    'Robert "Bob" Smith,07700900004',
    '"quote ""inside""",07700900005',
    ',',
    '"",""',
    'last,07700900006',
  ];

  test.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])(
    'cut a %s file into its records, whatever the chunks (blank lines kept with the next record)',
    (_name, eol) => {
      const file = records.join(eol) + eol + eol + 'after,blank' + eol;
      const expected = [...records, 'after,blank'];
      for (const size of [1, 2, 3, 7, 16, 64, file.length]) {
        const scan = new CsvScan(',');
        const texts: string[] = [];
        let handed = '';
        for (let at = 0; at < file.length; at += size) {
          const text = scan.push(file.slice(at, at + size));
          handed += text;
          pieces(scan, texts, text);
        }
        const tail = scan.finish();
        handed += tail;
        pieces(scan, texts, tail);
        expect(texts.map((piece) => piece.replace(/^[\r\n]+|[\r\n]+$/g, ''))).toEqual(expected);
        expect(handed).toBe(file);
      }
    },
  );

  test('a record without a final line break ends where the text does', () => {
    const scan = new CsvScan(',');
    const texts: string[] = [];
    pieces(scan, texts, scan.push('a,b\nc,d'));
    pieces(scan, texts, scan.finish());
    expect(texts).toEqual(['a,b\n', 'c,d']);
  });

  test.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])(
    '%s: only a last record with no line break after it is unterminated, whatever the chunks',
    (_name, eol) => {
      const body = ['h,p', 'plain,1', '"quoted\nfield",2', 'Robert "Bob",3'].join(eol);
      for (const file of [body + eol, body, `${body}${eol}"cut`, `${body}${eol}"whole"`]) {
        for (const size of [1, 3, file.length]) {
          const scan = new CsvScan(',');
          const flags: boolean[] = [];
          const take = (): void => {
            for (const record of scan.pushed()) if (record.kind === 'record') flags.push(record.unterminated);
          };
          for (let at = 0; at < file.length; at += size) {
            scan.push(file.slice(at, at + size));
            take();
          }
          scan.finish();
          take();
          const last = !file.endsWith(eol);
          const count = file === body + eol || file === body ? 4 : 5;
          expect(flags).toEqual([...Array<boolean>(count - 1).fill(false), last]);
        }
      }
    },
  );

  test('an oversized record is left out of the pieces, the records around it keep theirs', () => {
    const scan = new CsvScan(',');
    const texts: string[] = [];
    const kinds: ScannedRecord['kind'][] = [];
    const long = 'x'.repeat(MAX_RECORD_CHARS + 10);
    const file = `h,p\none,1\n${long},2\ntwo,3\n`;
    for (let at = 0; at < file.length; at += 100_000) {
      const text = scan.push(file.slice(at, at + 100_000));
      kinds.push(...scan.pushed().map((record) => record.kind));
      pieces(scan, texts, text);
    }
    pieces(scan, texts, scan.finish());
    expect(kinds).toEqual(['record', 'record', 'oversized', 'record']);
    expect(texts).toEqual(['h,p\n', 'one,1\n', 'two,3\n']);
  });
});
