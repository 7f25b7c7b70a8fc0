import { describe, expect, test } from 'vitest';
import { CsvScan } from '../../src/read/csv-scan.js';

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
        expect(scan.next()).toEqual({ kind: 'record', line: ++taken, hasNul: false });
      expect(scan.queueEntries).toBeLessThan(2_100);
    }
    expect(scan.next()).toEqual({ kind: 'record', line: 50_000, hasNul: false });
    expect(scan.next()).toBeUndefined();
  });
});
