import { describe, expect, test } from 'vitest';
import { describeRowCode, ROW_CODE_DESCRIPTIONS, ROW_CODES } from '../../src/pipeline/codes.js';

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
        "BLOCKED",
        "RUN_ABORTED",
        "SOURCE_OPTED_OUT",
        "NO_SMS_CONSENT",
      ]
    `);
  });

  test('every code has exactly one one-line description', () => {
    expect(Object.keys(ROW_CODE_DESCRIPTIONS).sort()).toEqual([...ROW_CODES].sort());
    for (const code of ROW_CODES) {
      const description = ROW_CODE_DESCRIPTIONS[code];
      expect(description.length).toBeGreaterThan(10);
      expect(description).not.toMatch(/[\n.]$/);
      expect(describeRowCode(code)).toBe(description);
    }
  });

  test('codes from the API have no description here', () => {
    expect(describeRowCode('CONT-010')).toBeUndefined();
    expect(describeRowCode('toString')).toBeUndefined();
  });
});
