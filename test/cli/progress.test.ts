import { describe, expect, test } from 'vitest';
import {
  createProgressRenderer,
  formatEta,
  formatProgressLine,
  PLAIN_PROGRESS_INTERVAL_MS,
} from '../../src/cli/progress.js';
import type { RunProgress } from '../../src/pipeline/run.js';
import { emptyCounts } from '../../src/report/index.js';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f]/;

function progress(rowsDone: number, elapsedMs: number, extra: Partial<RunProgress['api']> = {}): RunProgress {
  const counts = {
    ...emptyCounts(),
    rows: rowsDone,
    created: Math.floor(rowsDone * 0.8),
    invalid: rowsDone - Math.floor(rowsDone * 0.8),
  };
  return {
    runId: 'r',
    rowsRead: rowsDone + 500,
    rowsDone,
    counts,
    api: { requests: 3, throttled: 0, retries: 0, tokenRefreshes: 0, ...extra },
    elapsedMs,
  };
}

/** A renderer on a fake clock, collecting what it writes. */
function harness(isTTY: boolean, columns = 200) {
  let now = 0;
  const written: string[] = [];
  const renderer = createProgressRenderer({ write: (t) => written.push(t), isTTY, columns, now: () => now });
  return {
    renderer,
    written,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('formatProgressLine', () => {
  test.each([
    [
      'total unknown: read and done, no ETA',
      progress(1000, 2000),
      500,
      undefined,
      '1,500 read, 1,000 done · 800 sent · 500 rows/s · 0 throttled · 200 rejected',
    ],
    [
      'total known: done/total and an ETA',
      progress(1000, 2000),
      500,
      3000,
      '1,000/3,000 rows · 800 sent · 500 rows/s · ETA 4s · 0 throttled · 200 rejected',
    ],
    [
      '429s and retries are counted',
      progress(10, 1000, { throttled: 4, retries: 6 }),
      10,
      undefined,
      '510 read, 10 done · 8 sent · 10 rows/s · 4 throttled · 6 retries · 2 rejected',
    ],
    ['no ETA at rate 0', progress(0, 0), 0, 100, '0/100 rows · 0 sent · 0 rows/s · 0 throttled'],
  ])('%s', (_name, p, rate, total, expected) => {
    expect(formatProgressLine(p, rate, total)).toBe(expected);
  });

  test.each([
    [0, '0s'],
    [59.4, '59s'],
    [185, '3m 05s'],
    [3725, '1h 02m'],
  ])('formatEta(%d) = %s', (seconds, expected) => {
    expect(formatEta(seconds)).toBe(expected);
  });
});

describe('createProgressRenderer', () => {
  test('off a terminal: a plain line every 10 s, never a control character', () => {
    const { renderer, written, advance } = harness(false);
    renderer.update(progress(10, 1000));
    expect(written).toEqual([]);
    advance(PLAIN_PROGRESS_INTERVAL_MS - 1);
    renderer.update(progress(20, 2000));
    expect(written).toEqual([]);
    advance(1);
    renderer.update(progress(30, 3000));
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(
      /^progress: 530 read, 30 done · 24 sent · \d+ rows\/s · 0 throttled · 6 rejected\n$/,
    );
    renderer.print('a message\n');
    renderer.done();
    expect(written.slice(1)).toEqual(['a message\n']);
    expect(written.join('')).not.toMatch(CONTROL_CHARACTERS);
  });

  test('with a known total: a bar on a wide terminal, the percentage alone on a narrow one', () => {
    const wide = harness(true, 200);
    wide.renderer.setTotal(40);
    wide.renderer.update(progress(20, 2000));
    expect(wide.written[0]?.startsWith('\r\x1b[2K[############------------]  50% 20/40 rows')).toBe(true);
    const narrow = harness(true, 60);
    narrow.renderer.setTotal(40);
    narrow.renderer.update(progress(20, 2000));
    expect(narrow.written[0]?.startsWith('\r\x1b[2K 50% 20/40 rows · 16 sent')).toBe(true);
  });

  test('on a terminal: one line redrawn in place, cut to the width', () => {
    const { renderer, written, advance } = harness(true, 40);
    renderer.update(progress(10, 1000));
    expect(written).toHaveLength(1);
    expect(written[0]?.startsWith('\r\x1b[2K')).toBe(true);
    expect(written[0]?.length).toBe('\r\x1b[2K'.length + 39);
    expect(written[0]?.endsWith('…')).toBe(true);
    renderer.setTotal(40);
    advance(1000);
    renderer.update(progress(20, 2000));
    expect(written[1]?.startsWith('\r\x1b[2K 50% 20/40 rows')).toBe(true);
  });

  test('on a terminal: printed text clears the bar first and the bar comes back after it', () => {
    const { renderer, written } = harness(true);
    renderer.update(progress(10, 1000));
    const bar = (written[0] ?? '').slice('\r\x1b[2K'.length);
    renderer.print('warning: something\n');
    expect(written.slice(1)).toEqual(['\r\x1b[2Kwarning: something\n', bar]);
    renderer.done();
    expect(written.at(-1)).toBe('\r\x1b[2K');
    renderer.done();
    expect(written.at(-1)).toBe('\r\x1b[2K');
    expect(written).toHaveLength(4);
  });

  test('the rate follows the recent window, not the whole run', () => {
    const { renderer, written, advance } = harness(true);
    renderer.update(progress(0, 0));
    advance(20_000);
    renderer.update(progress(20_000, 20_000));
    advance(1000);
    // Throttled: only 10 more rows in the last second; the whole run's average would say 953/s.
    renderer.update(progress(20_010, 21_000));
    expect(written.at(-1)).toMatch(/ 10 rows\/s/);
  });
});
