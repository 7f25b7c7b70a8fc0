/**
 * numberType() mirrors libphonenumber-js's getType() and isValid() with compiled patterns: over a
 * large varied corpus (the bench generator's numbers, and generated digit strings in every
 * numbering plan, valid and invalid) it must give exactly the library's answers.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import {
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
  Metadata,
  parsePhoneNumberFromString,
  type CountryCode,
  type NumberType,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/max/metadata';
import examples from 'libphonenumber-js/mobile/examples';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateContactsCsv } from '../../tools/bench/generate.js';
import { numberType } from '../../src/pipeline/phone-type.js';
import { FUZZ_SEED } from '../fuzz/helpers.js';
import { tempDir } from '../helpers.js';

const COUNTRIES: readonly CountryCode[] = getCountries();
const NON_GEOGRAPHIC: readonly string[] = Object.keys(metadata.nonGeographic ?? {});
const DIGIT = fc.constantFrom(...'0123456789'.split(''));
const TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const;

/** A plan's pattern for national numbers of one type (or of any type), from the max metadata. */
interface PlanPattern {
  iso: CountryCode | undefined;
  code: string;
  pattern: RegExp;
}

/** Every non-empty pattern of every numbering plan: the numbers a plan's types are about. */
function planPatterns(): PlanPattern[] {
  // The library's Metadata, whose declarations omit the numbering-plan accessors.
  const plans = new Metadata() as unknown as {
    selectNumberingPlan(key: string): void;
    nationalNumberPattern(): string;
    type(type: string): { pattern(): string } | undefined;
  };
  const patterns: PlanPattern[] = [];
  const where = [
    ...COUNTRIES.map((iso) => ({ iso, code: getCountryCallingCode(iso) })),
    ...NON_GEOGRAPHIC.map((code) => ({ iso: undefined, code })),
  ];
  for (const { iso, code } of where) {
    plans.selectNumberingPlan(iso ?? code);
    const sources = [plans.nationalNumberPattern(), ...TYPES.map((type) => plans.type(type)?.pattern())];
    for (const source of sources) {
      if (source) patterns.push({ iso, code, pattern: new RegExp(`^(?:${source})$`) });
    }
  }
  return patterns;
}

/** Compares one parsed number with the library; returns the type, for the coverage checks. */
function compare(number: PhoneNumber, differences: string[]): NumberType {
  const expected = { type: number.getType(), valid: number.isValid() };
  const actual = numberType(number);
  if (actual.type !== expected.type || actual.valid !== expected.valid) {
    differences.push(
      `${number.number} (${number.country ?? number.countryCallingCode}): ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`,
    );
  }
  return expected.type;
}

/** Tallies what a corpus covered, so a corpus that no longer reaches the interesting cases fails. */
function coverage(): {
  add: (number: PhoneNumber, type: NumberType) => void;
  types: Map<string, number>;
  validPlans: Set<string>;
} {
  const types = new Map<string, number>();
  const validPlans = new Set<string>();
  return {
    types,
    validPlans,
    add(number, type) {
      const key = type ?? 'none';
      types.set(key, (types.get(key) ?? 0) + 1);
      if (type !== undefined) validPlans.add(number.country ?? number.countryCallingCode);
    },
  };
}

describe('numberType', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('sakari-phone-type-'));
  });
  afterAll(() => cleanup());

  test("the bench generator's numbers: the library's type and validity for every one", async () => {
    const file = path.join(dir, 'contacts.csv');
    await generateContactsCsv(file, 20_000, 7);
    const rows = parseCsv(await readFile(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    const differences: string[] = [];
    const seen = coverage();
    let parsed = 0;
    for (const row of rows) {
      const country = (row['country'] || undefined) as CountryCode | undefined;
      const number = parsePhoneNumberFromString(row['mobile'] ?? '', country);
      if (!number) continue;
      parsed++;
      seen.add(number, compare(number, differences));
    }
    expect(differences).toEqual([]);
    expect(parsed).toBeGreaterThan(18_000);
    for (const type of ['MOBILE', 'FIXED_LINE_OR_MOBILE', 'none']) {
      expect(seen.types.get(type) ?? 0, type).toBeGreaterThan(0);
    }
    expect([...seen.validPlans].sort()).toEqual(expect.arrayContaining(['AU', 'DE', 'FR', 'GB', 'IN', 'US']));
  });

  test('generated digit strings in every numbering plan, valid and invalid: no difference', () => {
    const differences: string[] = [];
    const seen = coverage();
    const check = (number: PhoneNumber | undefined): void => {
      if (number) seen.add(number, compare(number, differences));
    };
    const plan = fc.oneof(
      {
        weight: 9,
        arbitrary: fc.constantFrom(...COUNTRIES).map((iso) => ({ iso, code: getCountryCallingCode(iso) })),
      },
      { weight: 1, arbitrary: fc.constantFrom(...NON_GEOGRAPHIC).map((code) => ({ iso: undefined, code })) },
    );
    /** Digits of a national number: random, or the country's mobile example with digits replaced. */
    const national = (iso: CountryCode | undefined): fc.Arbitrary<string> => {
      const example = iso && getExampleNumber(iso, examples)?.nationalNumber;
      const random = fc.string({ unit: DIGIT, minLength: 1, maxLength: 17 });
      if (!example) return random;
      const mutated = fc
        .tuple(fc.nat(example.length), fc.string({ unit: DIGIT, minLength: 1, maxLength: 8 }), fc.boolean())
        .map(([at, digits, keepLength]) =>
          keepLength
            ? (example.slice(0, at) + digits + example.slice(at + digits.length)).slice(0, example.length)
            : example.slice(0, at) + digits,
        );
      return fc.oneof(random, mutated);
    };
    const patterns = planPatterns();
    expect(patterns.length).toBeGreaterThan(1000);
    /** A number matching one of a plan's type patterns: valid in it, or nearly (another length). */
    const typed = fc
      .constantFrom(...patterns)
      .chain(({ iso, code, pattern }) =>
        fc.tuple(fc.constant({ iso, code }), fc.stringMatching(pattern), fc.option(DIGIT, { nil: '' })),
      )
      .map(([where, digits, extra]) => [where, digits + extra] as const);
    const numbers = fc.oneof(
      plan.chain((where) => fc.tuple(fc.constant(where), national(where.iso))),
      typed,
    );
    fc.assert(
      fc.property(
        fc
          .tuple(numbers, fc.constantFrom(0, 1, 2))
          .map(([[where, digits], form]) => [where, digits, form] as const),
        ([{ iso, code }, digits, form]) => {
          if (form === 0 && iso !== undefined) check(parsePhoneNumberFromString(digits, iso));
          else if (form === 1) check(parsePhoneNumberFromString(digits, { defaultCallingCode: code }));
          else check(parsePhoneNumberFromString(`+${code}${digits}`));
        },
      ),
      { seed: FUZZ_SEED, numRuns: 50_000 },
    );
    expect(differences.slice(0, 20)).toEqual([]);
    // The corpus reaches the types and plans the equivalence is about.
    for (const type of [
      'MOBILE',
      'FIXED_LINE',
      'FIXED_LINE_OR_MOBILE',
      'TOLL_FREE',
      'PREMIUM_RATE',
      'VOIP',
      'UAN',
      'none',
    ]) {
      expect(seen.types.get(type) ?? 0, type).toBeGreaterThan(0);
    }
    expect(seen.validPlans.size).toBeGreaterThan(200);
    expect(NON_GEOGRAPHIC.filter((code) => seen.validPlans.has(code)).length).toBeGreaterThan(3);
  });

  test('validity is the type being known, for every numbering plan of the max metadata', () => {
    // isValid() derives from the type only where the plan has type patterns; max metadata has
    // them everywhere, so one type check answers both questions.
    for (const iso of COUNTRIES) {
      const example = getExampleNumber(iso, examples);
      if (!example) continue;
      expect(numberType(example), iso).toEqual({ type: example.getType(), valid: example.isValid() });
      expect(example.isValid(), iso).toBe(example.getType() !== undefined);
    }
  });
});
