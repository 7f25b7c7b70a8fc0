import { describe, expect, test } from 'vitest';
import {
  BLOCKED_API_CODE,
  describeCode,
  describeRowCode,
  httpCode,
  ROW_CODE_TABLE,
  ROW_CODES,
} from '../src/codes.js';
import { ROW_STATUSES } from '../src/types.js';

describe('row codes', () => {
  test('the list is public API: changing it is deliberate', () => {
    expect(ROW_CODES).toMatchInlineSnapshot(`
      [
        "PHONE_MISSING",
        "PHONE_NOT_A_NUMBER",
        "PHONE_INVALID_COUNTRY",
        "PHONE_TOO_SHORT",
        "PHONE_TOO_LONG",
        "PHONE_INVALID",
        "PHONE_EXCEL_MANGLED",
        "PHONE_NOT_MOBILE",
        "EMAIL_INVALID",
        "DUPLICATE",
        "RECORD_MALFORMED",
        "RUN_ABORTED",
        "SOURCE_OPTED_OUT",
        "NO_SMS_CONSENT",
      ]
    `);
  });

  test('every code has one status and exactly one one-line description', () => {
    expect(Object.keys(ROW_CODE_TABLE)).toEqual([...ROW_CODES]);
    for (const code of ROW_CODES) {
      const { status, description } = ROW_CODE_TABLE[code];
      expect(ROW_STATUSES).toContain(status);
      expect(description.length).toBeGreaterThan(10);
      expect(description).not.toMatch(/[\n.]$/);
      expect(describeRowCode(code)).toBe(description);
      expect(describeCode(code)).toBe(description);
    }
  });

  test('codes from the API have no row-code description, but describeCode explains them', () => {
    expect(describeRowCode(BLOCKED_API_CODE)).toBeUndefined();
    expect(describeRowCode('toString')).toBeUndefined();
    expect(describeCode('toString')).toBe('');
    expect(describeCode(BLOCKED_API_CODE)).toMatch(/opted out/);
    expect(httpCode(422)).toBe('HTTP_422');
    expect(describeCode(httpCode(422))).toMatch(/HTTP 422/);
  });
});
