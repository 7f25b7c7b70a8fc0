import { describe, expect, test } from 'vitest';

import { uniqueHeaders } from '../../src/read/csv.js';
import {
  binaryVerdict,
  chooseEncoding,
  detectDelimiter,
  formatFromExtension,
  guessSingleByte,
  hasGzipMagic,
  sniffFormat,
} from '../../src/read/detect.js';

describe('detectDelimiter', () => {
  test.each([
    ['comma', 'a,b,c\n1,2,3\n', true, ','],
    ['semicolon', 'a;b;c\n1;2;3\n', true, ';'],
    ['tab', 'a\tb\tc\n1\t2\t3\n', true, '\t'],
    ['pipe', 'a|b|c\n1|2|3\n', true, '|'],
    ['commas only inside quotes do not count', 'a;"b,c"\n"1,5";2\n', true, ';'],
    ['quoted field spanning lines', 'a;b\n"x,\ny,z";2\n3;4\n', true, ';'],
    ['tie between consistent candidates: comma first', 'a,b;c\n1,2;3\n', true, ','],
    ['semicolon beats an inconsistent comma', 'name;amount\nx;1,5\ny;2\n', true, ';'],
    ['no candidate at all: the fallback', 'phone\n123\n456\n', true, ','],
    ['one malformed line: the best match with the header count', 'a|b|c\n1|2|3\n4|5\n6|7|8\n', true, '|'],
    ['a cut-off last line is ignored when the sample is partial', 'a;b\n1;2\n3,4,5,6', false, ';'],
    ['CRLF and blank lines', 'a;b\r\n\r\n1;2\r\n', true, ';'],
  ])('%s', (_label, sample, complete, expected) => {
    expect(detectDelimiter(sample, complete)).toBe(expected);
  });

  test('the fallback can be chosen by the caller', () => {
    expect(detectDelimiter('phone\n1\n', true, '\t')).toBe('\t');
  });

  test('looks at the first ten lines only', () => {
    const sample = `a;b\n${'1;2\n'.repeat(9)}${'x,y,z\n'.repeat(50)}`;
    expect(detectDelimiter(sample, true)).toBe(';');
  });
});

describe('sniffFormat', () => {
  test.each([
    ['[{"a":1}]', 'json'],
    ['  \n [\n', 'json'],
    ['{"a":1}\n{"a":2}\n', 'ndjson'],
    ['{"a":1}', 'ndjson'],
    ['{\n  "contacts": []\n}', 'json'],
    ['name,phone\n', 'csv'],
    ['"name","phone"\n', 'csv'],
    ['', 'csv'],
  ])('%j → %s', (text, format) => {
    expect(sniffFormat(text)).toBe(format);
  });
});

describe('formatFromExtension', () => {
  test.each([
    ['contacts.csv', 'csv'],
    ['contacts.TSV', 'csv'],
    ['list.txt', 'csv'],
    ['dump.json', 'json'],
    ['dump.ndjson', 'ndjson'],
    ['dump.jsonl', 'ndjson'],
    ['contacts.csv.gz', 'csv'],
    ['dump.JSONL.GZ', 'ndjson'],
    ['export.dat', undefined],
    ['contacts', undefined],
    ['dir.csv/contacts', undefined],
    ['-', undefined],
  ])('%s → %s', (path, format) => {
    expect(formatFromExtension(path)).toBe(format);
  });
});

describe('uniqueHeaders', () => {
  test.each([
    [
      ['a', 'b'],
      ['a', 'b'],
    ],
    [
      ['Phone', 'Phone'],
      ['Phone', 'Phone_2'],
    ],
    [
      ['Phone', 'Phone', 'Phone'],
      ['Phone', 'Phone_2', 'Phone_3'],
    ],
    [
      ['a', 'a', 'a_2'],
      ['a', 'a_3', 'a_2'],
    ],
    [
      ['', 'x', ' '],
      ['_column1', 'x', '_column3'],
    ],
    [
      ['x', 'X'],
      ['x', 'X'],
    ],
  ])('%j → %j', (names, expected) => {
    expect(uniqueHeaders(names)).toEqual(expected);
  });
});

describe('encoding and binary checks', () => {
  test.each([
    [[0xef, 0xbb, 0xbf, 0x61], undefined, 'utf8', 3],
    [[0xff, 0xfe, 0x61, 0x00], undefined, 'utf16le', 2],
    [[0xfe, 0xff, 0x00, 0x61], undefined, 'utf16be', 2],
    [[0x61, 0x62], undefined, 'utf8', 0],
    [[0x61, 0x62], 'latin1', 'latin1', 0],
    [[0xef, 0xbb, 0xbf, 0x61], 'windows-1252', 'utf8', 3],
    [[...Buffer.from('name,p\n', 'utf16le')], undefined, 'utf16le', 0],
    [[...Buffer.from('name,p\n', 'utf16le').swap16()], undefined, 'utf16be', 0],
    [[...Buffer.from('Zoë,é\n', 'utf16le')], 'latin1', 'utf16le', 0],
    [[0x61, 0x00, 0x62, 0x00], undefined, 'utf8', 0],
    [[...Buffer.from('a,b\n\u0000\u0000\u0000\u0000\u0000\u0000', 'utf8')], undefined, 'utf8', 0],
  ] as const)('%j with %s → %s', (bytes, requested, encoding, bomBytes) => {
    expect(chooseEncoding(Uint8Array.from(bytes), requested)).toEqual({ encoding, bomBytes });
  });

  test.each([
    ['UTF-8', Buffer.from('name\nJürgen Weiß, Zoë\n', 'utf8'), undefined],
    ['ASCII', Buffer.from('name\nAnn\n'), undefined],
    // a multi-byte character cut off at the end of the bytes looked at is not a fault
    ['UTF-8 cut mid-character', Buffer.from('name\nJürgen Weiß', 'utf8').subarray(0, -1), undefined],
    [
      'windows-1252 (Outlook DE)',
      Buffer.from('Vorname,Nachname\nJürgen,Weiß\nZoë,Müller\n', 'latin1'),
      'windows-1252',
    ],
    [
      'windows-1252 with curly apostrophes',
      Buffer.from([...Buffer.from('O'), 0x92, ...Buffer.from('Brien, Ren'), 0xe9, 0x0a]),
      'windows-1252',
    ],
    // š (0x9A) and Ž (0x8E) are letters in windows-1252 too: a Czech name is no Mac Roman. No
    // Western language writes š with á: windows-1250 (which reads these bytes the same)
    [
      'windows-1250, Czech',
      Buffer.from([
        ...Buffer.from('Ko'),
        0x9a,
        ...Buffer.from('ek,Jan\n'),
        0x8e,
        ...Buffer.from('ofie,Nov'),
        0xe1,
        ...Buffer.from('kov'),
        0xe1,
        0x0a,
      ]),
      'windows-1250',
    ],
    // Excel for Mac's "Comma Separated Values": ü is 0x9F, ë 0x91, é 0x8E in Mac Roman
    [
      'Mac Roman',
      Buffer.from([
        ...Buffer.from('J'),
        0x9f,
        ...Buffer.from('rgen,M'),
        0x9f,
        ...Buffer.from('ller\nZo'),
        0x91,
        ...Buffer.from(',L'),
        0x8e,
        ...Buffer.from('vesque\n'),
      ]),
      'macintosh',
    ],
    [
      'Mac Roman capitals',
      Buffer.from([...Buffer.from('M'), 0x86, ...Buffer.from('LLER,'), 0x83, ...Buffer.from('mile\n')]),
      'macintosh',
    ],
  ] as const)('guessSingleByte: %s → %s', (_label, bytes, expected) => {
    expect(guessSingleByte(bytes)).toBe(expected);
  });

  /** `text` in a single-byte code page (every character must be in it). */
  function encodeIn(label: string, text: string): Buffer {
    const decoder = new TextDecoder(label);
    const all = decoder.decode(
      Uint8Array.from({ length: 256 }, (_, byte) => byte),
      { stream: true },
    );
    const bytes = new Map([...all].map((char, byte) => [char, byte]));
    return Buffer.from([...text].map((char) => bytes.get(char) ?? 0x3f));
  }

  test.each([
    ['a Greek row', 'windows-1253', 'windows-1253', 'Όνομα,Κινητό\nΓιώργος Παπαδόπουλος,+30 691 234 5678\n'],
    ['a Russian row', 'windows-1251', 'windows-1251', 'Имя,Мобильный\nИван Петров,+7 912 345-67-89\n'],
    [
      'Polish rows',
      'windows-1250',
      'windows-1250',
      'Imię,Telefon\nŁukasz Wójcik,1\nŻaneta Świątek,2\nMichał Kozłowski,3\n',
    ],
    [
      'Turkish rows',
      'windows-1254',
      'windows-1254',
      'Ad,Cep\nŞükrü Yılmaz,1\nGülşen Doğan,2\nİbrahim Çelik,3\nAyşe Kılıç,4\n',
    ],
    [
      '€ and typographic quotes',
      'windows-1252',
      'windows-1252',
      'Note\npaid 100€ – thanks, “great” … ‘ok’\n',
    ],
    ['one accented name', 'windows-1252', 'windows-1252', 'Name\nJosé Smith\n'],
    // Portuguese in Mac Roman: ç ã õ é are 0x8D 0x8B 0x9B 0x8E there
    ['Mac Roman, Portuguese', 'macintosh', 'macintosh', 'Nome\nJoão Gonçalves\nSimões Conceição\n'],
  ] as const)('guessSingleByte: %s in %s → %s', (_label, label, expected, text) => {
    expect(guessSingleByte(encodeIn(label, text))).toBe(expected);
  });

  test('guessSingleByte: a sequence cut off at the end of the whole source is not UTF-8', () => {
    const cut = Buffer.from('name\nJürgen Weiß', 'utf8').subarray(0, -1);
    expect(guessSingleByte(cut, true)).toBe('windows-1252');
  });

  test.each([
    ['plain text', 'name,phone\nAnn,1\n', 'text'],
    ['NULs scattered', 'PK\u0003\u0004\u0000\u0000x\u0000\u0001\u0002abc', 'binary'],
    ['a few NULs in one record', `name,phone\n${'Ann,1\n'.repeat(20)}B\u0000\u0000b,2\n`, 'text'],
    ['control characters, no NUL', 'name\n\u0001\u0002\u0003\u0004\n', 'text'],
    ['U+FFFD, no NUL (latin1 read as UTF-8)', '\uFFFD\n', 'text'],
    ['mostly NUL', '\u0000'.repeat(100), 'binary'],
  ])('%s → %s', (_label, text, verdict) => {
    expect(binaryVerdict(text)).toBe(verdict);
  });

  test('gzip magic', () => {
    expect(hasGzipMagic(Uint8Array.from([0x1f, 0x8b, 8]))).toBe(true);
    expect(hasGzipMagic(Uint8Array.from([0x1f]))).toBe(false);
    expect(hasGzipMagic(Buffer.from('a,b'))).toBe(false);
  });
});
