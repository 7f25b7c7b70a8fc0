/**
 * Property-based tests of the normaliser and the cleaning and mapping stages: any text in, a value
 * or a per-row code out, never an exception; and what comes out is what the contract promises.
 */
import fc from 'fast-check';
import { getCountries, getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, test } from 'vitest';
import { mapFields, splitFullName, splitTags } from '../../src/pipeline/map-fields.js';
import { normalisePhone } from '../../src/pipeline/normalise-phone.js';
import { cleanAttributeValue, cleanEmail, cleanName } from '../../src/pipeline/validate.js';
import { ROW_CODES, type Draft, type SourceRow } from '../../src/types.js';
import { FUZZ_SEED } from './helpers.js';

const settings = { seed: FUZZ_SEED, numRuns: 300 } as const;
const E164 = /^\+[1-9]\d{1,14}$/;
const PHONE_CODES = new Set(ROW_CODES.filter((code) => code.startsWith('PHONE_')));

/** Text that looks more or less like a phone number, and text that does not look like one at all. */
const phoneLike = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'+0123456789 ()-./#*xeE,=\'"tel:'.split('')), maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);
/** Row countries as CRMs export them: codes, names, junk. */
const country = fc.option(
  fc.oneof(
    fc.constantFrom(
      'US',
      'gb',
      'DE',
      'fr',
      'IN',
      'AU',
      'XX',
      '',
      ' ',
      'United Kingdom',
      'USA',
      '44',
      '+1',
      'ZZ',
    ),
    fc.string({ maxLength: 6 }),
  ),
  { nil: undefined },
);

describe('normalisePhone', () => {
  test('any input: E.164 or a PHONE_* code, never an exception', () => {
    fc.assert(
      fc.property(
        phoneLike,
        country,
        country,
        fc.boolean(),
        (input, rowCountry, defaultCountry, requireMobile) => {
          const result = normalisePhone(input, rowCountry, { defaultCountry, requireMobile });
          if (result.ok) {
            expect(result.e164).toMatch(E164);
            // Normalising the output again changes nothing.
            const again = normalisePhone(result.e164, undefined, { requireMobile });
            expect(again).toMatchObject({ ok: true, e164: result.e164 });
          } else {
            expect(PHONE_CODES.has(result.error.code)).toBe(true);
            expect(result.error.message.length).toBeLessThan(200);
          }
        },
      ),
      settings,
    );
  });

  const countries = getCountries().filter((c) => getExampleNumber(c, examples) !== undefined);

  test('a real mobile number written any common way normalises to the same E.164', () => {
    const separator = fc.constantFrom('', ' ', '-', '.', '  ', '\u00a0');
    fc.assert(
      fc.property(
        fc.constantFrom(...countries),
        fc.constantFrom('national', 'international', 'e164', 'tel', '00'),
        fc.array(separator, { minLength: 20, maxLength: 20 }),
        fc.boolean(),
        (code: CountryCode, style, separators, excelQuote) => {
          const example = getExampleNumber(code, examples);
          if (example === undefined) return;
          let text =
            style === 'national'
              ? example.formatNational()
              : style === 'international'
                ? example.formatInternational()
                : style === 'tel'
                  ? example.getURI()
                  : style === '00'
                    ? `+${example.countryCallingCode}${example.nationalNumber}`
                    : example.number;
          // Re-space the digits at random, as people and spreadsheets do.
          let i = 0;
          text = text
            .replace(/\d/g, (digit) => `${digit}${separators[i++ % separators.length] ?? ''}`)
            .trim();
          if (excelQuote) text = `'${text}`;
          const result = normalisePhone(text, code, {});
          expect(result, `${code} ${style}: ${JSON.stringify(text)}`).toMatchObject({
            ok: true,
            e164: example.number,
          });
        },
      ),
      settings,
    );
  });
});

describe('cleaning', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  );

  test('cleanName: no control characters, no doubled or edge whitespace, undefined when nothing is left', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const name = cleanName(text);
        if (name === undefined) return;
        expect(name).not.toMatch(/\p{Cc}/u);
        expect(name).toBe(name.trim());
        expect(name).not.toMatch(/\s{2}/);
        expect(name).not.toBe('');
      }),
      settings,
    );
  });

  test('cleanEmail: undefined (blank), false (malformed) or a trimmed lower-case address with one @', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const email = cleanEmail(text);
        if (email === undefined) expect(text.trim()).toBe('');
        else if (email !== false) {
          expect(email).toBe(email.trim().toLowerCase());
          expect(email.split('@')).toHaveLength(2);
          expect(email).not.toMatch(/[\s\p{Cc}]/u);
        }
      }),
      settings,
    );
  });

  test('cleanAttributeValue, splitTags and splitFullName never throw and keep no control character but TAB/LF/CR', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(cleanAttributeValue(text)).not.toMatch(/[^\P{Cc}\t\n\r]/u);
        for (const tag of splitTags(text)) expect(typeof tag).toBe('string');
        const { firstName, lastName } = splitFullName(text);
        for (const part of [firstName, lastName]) if (part !== undefined) expect(typeof part).toBe('string');
      }),
      settings,
    );
  });
});

describe('mapFields', () => {
  test('any record (any keys, any JSON values, reader errors): exactly one draft per row, in order', async () => {
    const key = fc.oneof(
      fc.constantFrom(
        'mobile',
        'Phone',
        'first name',
        'E-Mail',
        'tags',
        'name',
        'country',
        'attributes',
        '__proto__',
        'constructor',
      ),
      fc.string({ maxLength: 8 }),
    );
    const raw = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(raw, fc.boolean()), { maxLength: 10 }), async (records) => {
        const rows: SourceRow[] = records.map(([record, malformed], seq) => ({
          ref: { file: 'fuzz.json', line: seq + 1, seq },
          raw: record,
          ...(malformed ? { error: { code: 'RECORD_MALFORMED' as const, message: 'fuzz' } } : {}),
        }));
        const drafts: Draft[] = [];
        async function* source(): AsyncGenerator<SourceRow> {
          yield* rows;
        }
        for await (const draft of mapFields(source(), {})) drafts.push(draft);
        expect(drafts.map((d) => d.ref.seq)).toEqual(rows.map((r) => r.ref.seq));
      }),
      { ...settings, numRuns: 150 },
    );
  });
});
