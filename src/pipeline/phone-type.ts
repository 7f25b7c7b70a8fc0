/**
 * Parsing a number, and its type and validity, with each numbering plan's patterns compiled once.
 *
 * Mirrors libphonenumber-js 1.13.16: `getNumberType()` (source/helpers/getNumberType.js, what
 * `PhoneNumber.getType()` calls), `isValidNumber()` (source/isValid.js, what
 * `PhoneNumber.isValid()` calls) and `getCountryByNationalNumber()` (what `parse()` calls to pick
 * the country of a number whose calling code several countries share: +1, +44, +7, +61...), over
 * the same numbering plans of the same (max) metadata. The library builds
 * `new RegExp('^(?:' + pattern + ')$')` on every check (helpers/matchesEntirely.js), and with max
 * metadata `isValid()` is itself a `getNumberType()`: validating and typing one number compiled up
 * to a dozen long patterns, and picking the country of a +1 number up to a dozen more per country
 * tried; together most of the time spent parsing a phone column. Here each numbering plan's
 * patterns are compiled the first time a number of that plan is checked.
 *
 * test/pipeline/phone-type.test.ts compares {@link numberType} with `getType()` and `isValid()`,
 * and {@link parseNumber} with `parsePhoneNumberWithError()`, over a large varied corpus (zero
 * differences allowed): re-run it when libphonenumber-js is upgraded.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parsePhoneNumberWithError as parseWithMetadata, type MetadataJson } from 'libphonenumber-js/core';
import {
  Metadata,
  ParseError,
  type CountryCode,
  type NumberType,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import maxMetadata from 'libphonenumber-js/max/metadata';

/**
 * The max metadata with each shared calling code's countries cut to its main one: the library
 * then takes that country without `getCountryByNationalNumber()`, and {@link parseNumber} picks
 * the right one with compiled patterns. Everything else (the plans, the calling codes) is the same.
 */
const MAIN_COUNTRY_ONLY: MetadataJson = {
  ...maxMetadata,
  country_calling_codes: Object.fromEntries(
    Object.entries(maxMetadata.country_calling_codes).map(([code, countries]) => [
      code,
      countries.slice(0, 1),
    ]),
  ),
};

/** A calling code several countries share (+1, +44, +7, +61...): its countries, main first. */
interface SharedCallingCode {
  readonly countries: readonly string[];
  /**
   * Lengths of a national number whose length check (`checkNumberLength()`) passes in some of the
   * countries and not in others. Stripping a national prefix is undone when what is left fails
   * that check in the country `getCountryByCallingCode()` picks, which {@link MAIN_COUNTRY_ONLY}
   * makes the main country: a number that may have been decided by it is parsed by the library.
   */
  readonly undecidedLengths: ReadonlySet<number>;
}

/** The longest national number the library parses (`MAX_LENGTH_FOR_NSN`). */
const MAX_NATIONAL_LENGTH = 17;

let sharedCallingCodes: Map<string, SharedCallingCode> | undefined;

function sharedCallingCode(code: string): SharedCallingCode | undefined {
  sharedCallingCodes ??= new Map(
    Object.entries(maxMetadata.country_calling_codes)
      .filter(([, countries]) => countries.length > 1)
      .map(([code, countries]) => [code, { countries, undecidedLengths: undecidedLengths(countries) }]),
  );
  return sharedCallingCodes.get(code);
}

function undecidedLengths(countries: readonly string[]): Set<number> {
  const plans = countries.map((country) => compiledPlan(country));
  const undecided = new Set<number>();
  for (let length = 0; length <= MAX_NATIONAL_LENGTH; length++) {
    const passes = plans.map((plan) => {
      const check = lengthCheck(plan, length);
      return check !== 'TOO_SHORT' && check !== 'INVALID_LENGTH';
    });
    if (passes.some((pass) => pass !== passes[0])) undecided.add(length);
  }
  return undecided;
}

/** What `checkNumberLength()` says of a national number of `length` digits in a plan. */
type LengthCheck = 'IS_POSSIBLE' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_LENGTH';

/** `checkNumberLength()` (helpers/checkNumberLength.js) without a type: the plan's possible lengths. */
function lengthCheck(plan: CompiledPlan, length: number): LengthCheck {
  const possible = plan.possibleLengths;
  if (possible === undefined) return 'IS_POSSIBLE';
  const shortest = possible[0] as number;
  if (length === shortest) return 'IS_POSSIBLE';
  if (length < shortest) return 'TOO_SHORT';
  if (length > (possible[possible.length - 1] as number)) return 'TOO_LONG';
  return possible.includes(length) ? 'IS_POSSIBLE' : 'INVALID_LENGTH';
}

/** How `parse()` read the calling code (an internal property of the library's numbers). */
interface CallingCodeSource {
  /** `undefined` when the number was read as a national one of the default country or calling code. */
  __countryCallingCodeSource?: string;
}

type ParseOptions = CountryCode | { defaultCallingCode?: string; extract?: false };

/**
 * `parsePhoneNumberWithError()` of `libphonenumber-js/max` (same arguments, same number, same
 * `ParseError`s), with the country of a shared calling code picked as the library picks it, by
 * {@link countryAmong}: the first of those countries the national number belongs to; when none,
 * the default country for a number read as national, else no country. A number whose national
 * prefix may have been kept or stripped by a length check of another country than the library's
 * (see {@link SharedCallingCode.undecidedLengths}) is parsed again by the library itself.
 */
export function parseNumber(text: string, options?: ParseOptions): PhoneNumber {
  const stepOptions = parseStepOptions(options);
  const number = libraryParse(text, stepOptions, MAIN_COUNTRY_ONLY);
  const shared = sharedCallingCode(number.countryCallingCode);
  if (shared === undefined) return number;
  const national = number.nationalNumber;
  const readAsNational = (number as CallingCodeSource).__countryCallingCodeSource === undefined;
  const defaultCountry = readAsNational && typeof options === 'string' ? options : undefined;
  // The plan the library had selected when it looked for a national prefix to strip.
  const selected = compiledPlan(defaultCountry ?? (shared.countries[0] as string));
  if (
    shared.undecidedLengths.has(national.length) ||
    (selected.nationalPrefix !== undefined && selected.nationalPrefix.test(national))
  ) {
    return libraryParse(text, stepOptions, maxMetadata);
  }
  number.country = (countryAmong(shared.countries, national) ?? defaultCountry) as CountryCode | undefined;
  return number;
}

/** What `parsePhoneNumberWithError()` hands the library's parse step: its options, with `v2`. */
interface ParseStepOptions {
  readonly defaultCountry?: CountryCode;
  readonly defaultCallingCode?: string;
  readonly extract?: false;
  readonly v2: true;
}

type ParseStep = (text: string, options: ParseStepOptions, metadata: MetadataJson) => PhoneNumber;

const require = createRequire(import.meta.url);

/**
 * `version` of the libphonenumber-js in use (whose code, with sakari-sync's, turns a mapped row
 * into an E.164: part of the recall key, `recall.ts`).
 */
export const LIBPHONENUMBER_VERSION = (require('libphonenumber-js/package.json') as { version: string })
  .version;

/** The libphonenumber-js release whose parse step ({@link parseStep}) was read and compared. */
const PARSE_STEP_READ_IN = '1.13.16';

/**
 * The library's parse step (`es6/parse.js`, which the package does not export):
 * `parsePhoneNumberWithError()` copies its arguments and spreads its options twice through
 * Babel's helpers before calling it, a fifth of the time of parsing a number (200,000 of the
 * bench's numbers: 1.36 s → 1.04 s with {@link libraryParse}). Called directly only in the
 * release it was read in ({@link PARSE_STEP_READ_IN}): any other release, or one laid out
 * otherwise, is parsed through the exported function. The module is the one the exported
 * function imports (the same file), so its `ParseError` is the library's.
 *
 * Loaded when this module is, without awaiting it at the top level: a module graph with a
 * top-level `await` cannot be `require()`d (Node 20.19+ and 22 load ES modules so), and the numbers
 * parsed before it is there (none, in practice) go through the exported function, which gives
 * the same results.
 */
let parseStep: ParseStep | undefined;

/** Settles once {@link parseStep} is loaded or known not to be there: whether it is (tests). */
export const parseStepLoaded: Promise<boolean> = loadParseStep().then((step) => {
  parseStep = step;
  return step !== undefined;
});

async function loadParseStep(): Promise<ParseStep | undefined> {
  if (LIBPHONENUMBER_VERSION !== PARSE_STEP_READ_IN) return undefined;
  try {
    const manifest = require.resolve('libphonenumber-js/package.json');
    const step = (await import(pathToFileURL(path.join(path.dirname(manifest), 'es6', 'parse.js')).href)) as {
      default?: unknown;
    };
    return typeof step.default === 'function' ? (step.default as ParseStep) : undefined;
  } catch {
    return undefined;
  }
}

/** The step options of a default country, made once per country. */
const countryStepOptions = new Map<string, ParseStepOptions>();
const NO_STEP_OPTIONS: ParseStepOptions = Object.freeze({ v2: true });

function parseStepOptions(options: ParseOptions | undefined): ParseStepOptions {
  if (options === undefined) return NO_STEP_OPTIONS;
  if (typeof options !== 'string') return { ...options, v2: true };
  let made = countryStepOptions.get(options);
  if (made === undefined) {
    made = Object.freeze({ defaultCountry: options, v2: true });
    countryStepOptions.set(options, made);
  }
  return made;
}

/**
 * `parsePhoneNumberWithError(text, options, metadata)` of `libphonenumber-js/core`, through
 * {@link parseStep} when it is there. A `ParseError` (an invalid number, the common case for some
 * columns) is made without a stack trace, which nothing reads and which cost 3–4% of parsing.
 */
function libraryParse(text: string, options: ParseStepOptions, metadata: MetadataJson): PhoneNumber {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    if (parseStep !== undefined) return parseStep(text, options, metadata);
    const { v2: _, ...given } = options;
    return parseWithMetadata(text, given, metadata);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * `validatePhoneNumberLength()` of `libphonenumber-js/max` for an E.164 number (a parsed number's
 * `number`): `undefined` when its length is possible, else the library's reason (`TOO_SHORT`,
 * `TOO_LONG`, `INVALID_LENGTH`, or the `ParseError` of parsing it again).
 */
export function lengthProblem(e164: string): string | undefined {
  let number: PhoneNumber;
  try {
    number = parseNumber(e164, { extract: false });
  } catch (error) {
    if (error instanceof ParseError) return error.message;
    throw error;
  }
  const check = lengthCheck(
    compiledPlan(number.country || number.countryCallingCode),
    number.nationalNumber.length,
  );
  return check === 'IS_POSSIBLE' ? undefined : check;
}

/**
 * The trunk prefix a country's national numbers are dialled with (`0`, Russia's `8`, North
 * America's `1`), or `undefined` where they are dialled as written (Greece, Spain, Norway).
 */
export function trunkPrefixOf(country: CountryCode): string | undefined {
  return compiledPlan(country).trunkPrefix;
}

/** What one check of a parsed number says: its type (`undefined` when none matched) and validity. */
export interface NumberCheck {
  /** `PhoneNumber.getType()`. */
  readonly type: NumberType;
  /** `PhoneNumber.isValid()`. */
  readonly valid: boolean;
}

/**
 * The type and validity of a parsed number, equal to its `getType()` and `isValid()`. Validity is
 * derived from the type (as the library does) when the numbering plan has type patterns, which
 * the max metadata has for every plan; otherwise, as the library, from the plan's national pattern.
 */
export function numberType(number: PhoneNumber): NumberCheck {
  // getNumberType: a number without a country or calling code "can't possibly be valid".
  const key = number.country || number.countryCallingCode;
  if (!key) return INVALID;
  const plan = compiledPlan(key);
  const national = number.nationalNumber || ''; // matchesEntirely's `text || ''`
  const type = typeIn(plan, national);
  return { type, valid: plan.hasTypes ? type !== undefined : plan.national.test(national) };
}

const INVALID: NumberCheck = { type: undefined, valid: false };

/**
 * The country of `countries` (which share one calling code, main country first) that a national
 * number belongs to, as the library's `getCountryByNationalNumber()` picks it: the first whose
 * leading digits start the number, or, for a plan without leading digits, whose types it matches.
 */
export function countryAmong(countries: readonly string[], national: string): string | undefined {
  for (const country of countries) {
    const plan = compiledPlan(country);
    if (plan.leadingDigits !== undefined) {
      if (national && national.search(plan.leadingDigits) === 0) return country;
    } else if (typeIn(plan, national || '') !== undefined) return country;
  }
  return undefined;
}

/** `getNumberType()`'s steps, with the plan's compiled patterns. */
function typeIn(plan: CompiledPlan, national: string): NumberType {
  if (!plan.national.test(national)) return undefined;
  if (plan.fixedLine !== undefined && typeMatches(plan.fixedLine, national)) {
    if (plan.mobileRemoved) return 'FIXED_LINE_OR_MOBILE';
    if (plan.mobile === undefined) return 'FIXED_LINE_OR_MOBILE'; // no MOBILE type at all
    if (plan.mobile !== null && typeMatches(plan.mobile, national)) return 'FIXED_LINE_OR_MOBILE';
    return 'FIXED_LINE';
  }
  for (const [type, pattern] of plan.others) if (typeMatches(pattern, national)) return type;
  return undefined;
}

/** `isNumberTypeEqualTo()` for a type with a pattern: the lengths first, then the pattern. */
function typeMatches(type: CompiledType, national: string): boolean {
  if (type.lengths !== undefined && !type.lengths.includes(national.length)) return false;
  return type.pattern.test(national);
}

/** The types `getNumberType()` tries after `FIXED_LINE`, in its order. */
const NON_FIXED_LINE_TYPES = [
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const satisfies readonly NumberType[];

/** A type of a numbering plan whose pattern is not empty (an empty one never matches). */
interface CompiledType {
  readonly pattern: RegExp;
  readonly lengths: readonly number[] | undefined;
}

interface CompiledPlan {
  readonly hasTypes: boolean;
  readonly national: RegExp;
  /** `undefined`: the plan has no such type, or its pattern is empty (never matches). */
  readonly fixedLine: CompiledType | undefined;
  /** `undefined`: the plan has no MOBILE type; `null`: it has one with an empty pattern. */
  readonly mobile: CompiledType | null | undefined;
  /** MOBILE's pattern is `''`: removed from the metadata as a duplicate of FIXED_LINE's. */
  readonly mobileRemoved: boolean;
  /** The non-fixed-line types that can match, in {@link NON_FIXED_LINE_TYPES} order. */
  readonly others: ReadonlyArray<readonly [NumberType, CompiledType]>;
  /** The plan's leading-digits pattern (about 20% of the plans have one), unanchored as the library searches it. */
  readonly leadingDigits: RegExp | undefined;
  /** What the library strips as a national prefix (`national_prefix_for_parsing`), at the start. */
  readonly nationalPrefix: RegExp | undefined;
  /** The plan's possible lengths of a national number, shortest first. */
  readonly possibleLengths: readonly number[] | undefined;
  /** The trunk prefix national numbers are dialled with (`national_prefix`: `0`, Russia's `8`), if any. */
  readonly trunkPrefix: string | undefined;
}

/** The parts of the library's `Metadata` read here (its type declarations omit them). */
interface NumberingPlans {
  selectNumberingPlan(countryOrCallingCode: string): void;
  hasTypes(): boolean;
  nationalNumberPattern(): string;
  leadingDigits(): string | undefined;
  nationalPrefixForParsing(): string | undefined;
  /** The plan selected. */
  numberingPlan: { nationalPrefix(): string | undefined };
  possibleLengths(): number[] | undefined;
  type(type: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

/** A few hundred plans at most: one per country or non-geographic calling code. */
const plans = new Map<string, CompiledPlan>();
let metadata: NumberingPlans | undefined;

/** The plan the library selects for `country || countryCallingCode`, compiled once. */
function compiledPlan(key: string): CompiledPlan {
  const cached = plans.get(key);
  if (cached !== undefined) return cached;
  metadata ??= new Metadata() as unknown as NumberingPlans;
  metadata.selectNumberingPlan(key);
  const plan = compilePlan(metadata);
  plans.set(key, plan);
  return plan;
}

function compilePlan(plan: NumberingPlans): CompiledPlan {
  const compileType = (name: string): CompiledType | null | undefined => {
    const definition = plan.type(name);
    if (!definition) return undefined;
    const pattern = definition.pattern();
    if (!pattern) return null;
    return { pattern: entirely(pattern), lengths: definition.possibleLengths() || undefined };
  };
  const others: Array<readonly [NumberType, CompiledType]> = [];
  for (const type of NON_FIXED_LINE_TYPES) {
    const compiled = compileType(type);
    if (compiled) others.push([type, compiled]);
  }
  const mobileDefinition = plan.type('MOBILE');
  const leadingDigits = plan.leadingDigits();
  const nationalPrefix = plan.nationalPrefixForParsing();
  return {
    hasTypes: plan.hasTypes(),
    national: entirely(plan.nationalNumberPattern()),
    fixedLine: compileType('FIXED_LINE') ?? undefined,
    mobile: compileType('MOBILE'),
    mobileRemoved: mobileDefinition !== undefined && mobileDefinition.pattern() === '',
    others,
    leadingDigits: leadingDigits ? new RegExp(leadingDigits) : undefined,
    nationalPrefix: nationalPrefix ? new RegExp(`^(?:${nationalPrefix})`) : undefined,
    possibleLengths: plan.possibleLengths() || undefined,
    trunkPrefix: plan.numberingPlan.nationalPrefix() || undefined,
  };
}

/** `matchesEntirely()`'s expression, compiled once. */
function entirely(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}
