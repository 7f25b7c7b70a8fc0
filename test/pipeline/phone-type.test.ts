/**
 * numberType() mirrors libphonenumber-js's getType() and isValid() with compiled patterns, and
 * parseNumber() its parsePhoneNumberWithError() (the country of a shared calling code picked with
 * compiled patterns): over a large varied corpus (the bench generator's numbers, and generated
 * digit strings in every numbering plan, valid and invalid, written in every form the parser
 * reads) they must give exactly the library's answers.
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
  ParseError,
  parsePhoneNumberFromString,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
  type CountryCode,
  type NumberType,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/max/metadata';
import examples from 'libphonenumber-js/mobile/examples';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateContactsCsv } from '../../tools/bench/generate.js';
import {
  countryAmong,
  lengthProblem,
  numberType,
  parseNumber,
  parseStepLoaded,
} from '../../src/pipeline/phone-type.js';
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

/** A parse's outcome as text: every field a caller reads, or the library's reason. */
function parsed(parse: () => PhoneNumber): string {
  try {
    const number = parse();
    return JSON.stringify([
      number.number,
      number.country,
      number.countryCallingCode,
      number.nationalNumber,
      number.ext,
      number.carrierCode,
    ]);
  } catch (error) {
    if (error instanceof ParseError) return `ParseError ${error.message}`;
    throw error;
  }
}

/** The calling codes several countries share, with those countries (main first). */
const SHARED: ReadonlyArray<readonly [string, readonly string[]]> = Object.entries(
  metadata.country_calling_codes,
).filter(([, countries]) => countries.length > 1);

describe('parseNumber', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('sakari-parse-number-'));
  });
  afterAll(() => cleanup());

  /** Compares parseNumber with the library for one text and default; tallies what it covered. */
  function checker(): {
    check: (text: string, options?: CountryCode | { defaultCallingCode: string }) => void;
    differences: string[];
    seen: Map<string, number>;
  } {
    const differences: string[] = [];
    const seen = new Map<string, number>();
    const tally = (key: string): void => void seen.set(key, (seen.get(key) ?? 0) + 1);
    return {
      differences,
      seen,
      check(text, options) {
        const expected = parsed(() =>
          options === undefined ? parsePhoneNumberWithError(text) : parsePhoneNumberWithError(text, options),
        );
        const actual = parsed(() => parseNumber(text, options));
        if (actual !== expected)
          differences.push(`${JSON.stringify(text)} ${JSON.stringify(options)}: ${actual} ≠ ${expected}`);
        if (expected.startsWith('ParseError')) return tally('error');
        // The length check of the number parsed, as the phone stage asks it of invalid numbers.
        const e164 = (JSON.parse(expected) as [string])[0];
        const length = [lengthProblem(e164), validatePhoneNumberLength(e164)];
        if (length[0] !== length[1]) differences.push(`length of ${e164}: ${length[0]} ≠ ${length[1]}`);
        if (length[1] !== undefined) tally(`length: ${length[1]}`);
        // JSON writes an absent country as null.
        const [, country, code, national] = JSON.parse(expected) as [string, string | null, string, string];
        const countries = SHARED.find(([shared]) => shared === code)?.[1];
        if (countries === undefined) return tally('one country');
        if (country === null) return tally('shared: no country');
        if (countryAmong(countries, national) === undefined) return tally('shared: the default country');
        tally(country === countries[0] ? 'shared: main country' : 'shared: another country');
      },
    };
  }

  test("the installed release is parsed through the library's parse step, and its errors are the library's", async () => {
    // Fails after an upgrade of libphonenumber-js: compare this file's corpus with the new release's
    // es6/parse.js, then set PARSE_STEP_READ_IN in phone-type.ts (else every number is parsed slower).
    expect(await parseStepLoaded).toBe(true);
    const limit = Error.stackTraceLimit;
    const failureOf = (parse: () => unknown): string => {
      try {
        parse();
      } catch (error) {
        return `${error instanceof ParseError ? 'ParseError' : 'other'} ${(error as Error).message}`;
      }
      return 'no error';
    };
    expect(failureOf(() => parseNumber('1', 'GB'))).toBe('ParseError TOO_SHORT');
    expect(failureOf(() => parseNumber('call me'))).toBe('ParseError NOT_A_NUMBER');
    expect(failureOf(() => parseNumber('+999 123456'))).toBe('ParseError INVALID_COUNTRY');
    expect(failureOf(() => parseNumber('1'))).toBe('ParseError TOO_SHORT');
    // The stack traces left out of the library's errors are only its own.
    expect(Error.stackTraceLimit).toBe(limit);
    expect(parseNumber('0151 2345678', 'DE').number).toBe('+491512345678');
    expect(parseNumber('+1 204 555 0123', { extract: false }).country).toBe('CA');
  });

  test("the bench generator's numbers, with their rows' countries: the library's number for every one", async () => {
    const file = path.join(dir, 'contacts.csv');
    await generateContactsCsv(file, 20_000, 11);
    const rows = parseCsv(await readFile(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    const { check, differences, seen } = checker();
    for (const row of rows) {
      const country = (row['country'] || undefined) as CountryCode | undefined;
      check(row['mobile'] ?? '', country);
      check(row['mobile'] ?? '');
    }
    expect(differences.slice(0, 20)).toEqual([]);
    for (const kind of ['one country', 'shared: main country', 'error'])
      expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(100);
  });

  test('numbers of every country sharing a calling code, in every form: no difference', () => {
    const { check, differences, seen } = checker();
    const plans = new Metadata() as unknown as {
      selectNumberingPlan(key: string): void;
      type(type: string): { pattern(): string } | undefined;
    };
    /** Per shared code: each of its countries' type patterns, to generate numbers of each. */
    const patterns: Array<{ code: string; countries: readonly string[]; pattern: RegExp }> = [];
    for (const [code, countries] of SHARED) {
      for (const country of countries) {
        plans.selectNumberingPlan(country);
        for (const type of TYPES) {
          const source = plans.type(type)?.pattern();
          if (source) patterns.push({ code, countries, pattern: new RegExp(`^(?:${source})$`) });
        }
      }
    }
    expect(patterns.length).toBeGreaterThan(100);
    const digits = fc.oneof(
      fc
        .constantFrom(...patterns)
        .chain(({ code, countries, pattern }) =>
          fc.tuple(
            fc.constant(code),
            fc.constantFrom(...countries),
            fc.stringMatching(pattern),
            fc.option(DIGIT, { nil: '' }),
          ),
        )
        .map(([code, country, national, extra]) => [code, country, national + extra] as const),
      fc
        .constantFrom(...SHARED)
        .chain(([code, countries]) =>
          fc.tuple(
            fc.constant(code),
            fc.constantFrom(...countries),
            fc.string({ unit: DIGIT, minLength: 1, maxLength: 16 }),
          ),
        ),
    );
    // How people write them: national (with or without the trunk 0), international with +, 00 or
    // the code alone, spaced, with an extension; read with a country of the group, another one,
    // the calling code, or nothing.
    const written = fc.constantFrom(
      (code: string, national: string) => national,
      (code: string, national: string) => `0${national}`,
      (code: string, national: string) => `+${code}${national}`,
      (code: string, national: string) => `+${code} (0)${national}`,
      (code: string, national: string) => `00${code}${national}`,
      (code: string, national: string) => `011 ${code} ${national}`,
      (code: string, national: string) => `${code}${national}`,
      (code: string, national: string) => `+${code} ${national.slice(0, 3)} ${national.slice(3)}`,
      (code: string, national: string) => `+${code}${national} ext. 12`,
    );
    const read = fc.constantFrom('group', 'other', 'code', 'none');
    fc.assert(
      fc.property(
        digits,
        written,
        read,
        fc.constantFrom(...COUNTRIES),
        ([code, country, national], write, how, other) => {
          const text = write(code, national);
          if (how === 'group') check(text, country as CountryCode);
          else if (how === 'other') check(text, other);
          else if (how === 'code') check(text, { defaultCallingCode: code });
          else check(text);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 60_000 },
    );
    expect(differences.slice(0, 20)).toEqual([]);
    // The corpus reaches each way the country of a shared calling code is decided.
    for (const kind of [
      'shared: main country',
      'shared: another country',
      'shared: no country',
      'shared: the default country',
      'one country',
      'error',
      'length: TOO_SHORT',
      'length: TOO_LONG',
      'length: INVALID_LENGTH',
    ])
      expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(50);
  });
});
