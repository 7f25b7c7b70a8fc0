/**
 * A parsed number's type and validity, computed once per number with patterns compiled once.
 *
 * Mirrors libphonenumber-js 1.13.16: `getNumberType()` (source/helpers/getNumberType.js, what
 * `PhoneNumber.getType()` calls) and `isValidNumber()` (source/isValid.js, what
 * `PhoneNumber.isValid()` calls), over the same numbering plans of the same (max) metadata. The
 * library builds `new RegExp('^(?:' + pattern + ')$')` on every check (helpers/matchesEntirely.js),
 * and with max metadata `isValid()` is itself a `getNumberType()`: validating and typing one number
 * compiled up to a dozen long patterns, most of the time spent parsing a phone column. Here each
 * numbering plan's patterns are compiled the first time a number of that plan is checked.
 *
 * test/pipeline/phone-type.test.ts compares {@link numberType} with `getType()` and `isValid()` over
 * a large varied corpus (zero differences allowed): re-run it when libphonenumber-js is upgraded.
 */
import { Metadata, type NumberType, type PhoneNumber } from 'libphonenumber-js/max';

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
}

/** The parts of the library's `Metadata` read here (its type declarations omit them). */
interface NumberingPlans {
  selectNumberingPlan(countryOrCallingCode: string): void;
  hasTypes(): boolean;
  nationalNumberPattern(): string;
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
  return {
    hasTypes: plan.hasTypes(),
    national: entirely(plan.nationalNumberPattern()),
    fixedLine: compileType('FIXED_LINE') ?? undefined,
    mobile: compileType('MOBILE'),
    mobileRemoved: mobileDefinition !== undefined && mobileDefinition.pattern() === '',
    others,
  };
}

/** `matchesEntirely()`'s expression, compiled once. */
function entirely(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}
