/** The run flags of each command, and their translation into library input, from the option table. */
import type { Argv, Options } from 'yargs';
import type { ImportInput } from '../config.js';
import {
  OPTION_ENTRIES,
  defaultText,
  type CommandName,
  type OptionDef,
  type OptionKey,
  type OptionTable,
} from '../options.js';
import { UsageError } from './errors.js';

type FlagValue<D> = D extends { type: 'boolean' }
  ? boolean
  : D extends { type: 'number' }
    ? number
    : D extends { list: true }
      ? string | string[]
      : string;

/** The run flags as yargs parses them, by flag name (`--batch-size` → `'batch-size'`). */
export type OptionArgs = {
  [K in OptionKey as OptionTable[K] extends { flag: infer F extends string } ? F : never]?: FlagValue<
    OptionTable[K]
  >;
} & { 'no-state'?: boolean; quiet: boolean };

/** The flags every command that talks to Sakari shares (`run` has these). */
export type ConnectionArgs = OptionArgs;
/** The flags that shape an import (import, reconcile and watch). */
export type PipelineArgs = OptionArgs;

/** Help text: the description, then the environment variable and the default when they are not shown by yargs. */
function helpText(def: OptionDef, yargsDefault: boolean, command: CommandName): string | undefined {
  // In `run`, a plain job option takes its default from the job (connection values keep theirs:
  // flags and the environment come before the job, the default after it).
  const fromJob = command === 'run' && def.job !== undefined && !def.env;
  const shownDefault = yargsDefault || fromJob ? undefined : defaultText(def);
  const bracket = def.env
    ? ` [env ${def.env}${shownDefault ? `, default ${shownDefault}` : ''}]`
    : shownDefault
      ? ` [${shownDefault}]`
      : '';
  const overrides = fromJob ? ' (overrides the job)' : '';
  const text = `${def.describe ?? ''}${overrides}${bracket}`.trim();
  return text === '' ? undefined : text;
}

/**
 * Adds the run flags the option table gives `command` (CONTRACT §1 and §7), then `--quiet`.
 * yargs shows a default itself where one applies as is (booleans, choices); the others (numbers,
 * paths, anything the environment or a job file may set) are applied by `resolveImportSettings`, so
 * the help text names them. In `run`, a flag the job file also sets has no default: it overrides
 * the job only when given.
 */
export function commandOptions<T>(y: Argv<T>, command: CommandName): Argv<T & OptionArgs> {
  let argv: Argv<T> = y;
  for (const [, def] of OPTION_ENTRIES) {
    if (!def.flag || !def.commands.includes(command)) continue;
    const yargsDefault =
      (def.type === 'boolean' || def.type === 'choice') &&
      def.default !== undefined &&
      !def.env &&
      !(command === 'run' && def.job);
    const spec: Options = {
      ...(def.type === 'choice' ? { choices: def.choices } : { type: def.type }),
      ...(def.alias ? { alias: def.alias } : {}),
      ...(yargsDefault ? { default: def.default } : {}),
    };
    const describe = helpText(def, yargsDefault, command);
    argv = argv.option(def.flag, describe === undefined ? spec : { ...spec, describe });
    if (def.negation) {
      argv = argv.option(def.negation.flag, { type: 'boolean', describe: def.negation.describe });
    }
  }
  return argv
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'no progress or summary on stderr',
    })
    .parserConfiguration({ 'boolean-negation': false }) as Argv<T & OptionArgs>;
}

/** Adds the import flags (import, reconcile and watch take the same ones). */
export function pipelineOptions<T>(y: Argv<T>): Argv<T & PipelineArgs> {
  return commandOptions(y, 'import');
}

/**
 * The run flags of `command` as library input. Flags not given are left out, so the input can be
 * spread over a job file's without unsetting its values.
 */
export function commandInput(args: OptionArgs, command: CommandName): Partial<ImportInput> {
  const given = new Map<string, unknown>(Object.entries(args));
  const input: Record<string, unknown> = {};
  for (const [key, def] of OPTION_ENTRIES) {
    if (!def.flag || !def.commands.includes(command)) continue;
    const value = def.negation && given.get(def.negation.flag) ? false : given.get(def.flag);
    if (value !== undefined) input[key] = value;
  }
  return input as Partial<ImportInput>;
}

/** The import flags as library input. */
export function pipelineInput(args: PipelineArgs): Omit<ImportInput, 'sources'> {
  return commandInput(args, 'import');
}

/** What yargs knows of the flags of the command being run (the object `.check` callbacks receive). */
export interface DeclaredFlags {
  /** The flags and positionals declared `array: true` (`<source...>`, the sandbox's `--blocked`). */
  array: readonly string[];
  /** The flags declared `type: 'number'`. */
  number: readonly string[];
  /** Every declared flag, by name and by alias. */
  key: Readonly<Record<string, boolean>>;
  /** A flag's aliases (`quiet` → `['q']`). */
  alias: Readonly<Record<string, readonly string[]>>;
}

/** The table's flags that may be given more than once, and its secret ones (shown redacted). */
const LIST_FLAGS = new Set(OPTION_ENTRIES.flatMap(([, def]) => (def.list && def.flag ? [def.flag] : [])));
const REDACTED_FLAGS = new Map(
  OPTION_ENTRIES.flatMap(([, def]) => (def.redact && def.flag ? [[def.flag, def.redact] as const] : [])),
);

/**
 * Refuses a flag given more than once (`--default-country US --default-country IN`), for every
 * command: yargs hands such a flag over as an array, which only a list takes (a positional or flag
 * declared `array: true`, or a table option marked `list`); anything else would crash deep inside
 * or keep one value silently. A boolean given twice is folded by yargs and stays accepted.
 * Registered once, as a global `.check` in `main.ts`.
 *
 * @param args - the parsed arguments
 * @param declared - yargs' declarations of the command's flags
 * @param commandLine - the arguments as given (see {@link givenValues})
 * @throws UsageError naming each repeated flag and the values it got (secrets redacted)
 */
export function rejectRepeatedFlags(
  args: Record<string, unknown>,
  declared: DeclaredFlags,
  commandLine: readonly string[],
): true {
  const aliases = new Set(Object.values(declared.alias).flat());
  const lists = new Set([...declared.array, ...LIST_FLAGS]);
  const numbers = new Set(declared.number);
  const problems: string[] = [];
  for (const flag of Object.keys(declared.key)) {
    if (aliases.has(flag) || lists.has(flag)) continue;
    const value = args[flag];
    // yargs-parser adds a repeated number up when a later value is 1 (`--rate 3 --rate 1` gives 4,
    // yargs/yargs-parser#506, open): for a number, the command line tells.
    const typed = numbers.has(flag) ? givenValues(commandLine, [flag, ...(declared.alias[flag] ?? [])]) : [];
    const given = typed.length > 1 ? typed : Array.isArray(value) ? value.map(String) : [];
    if (given.length < 2) continue;
    const redact = REDACTED_FLAGS.get(flag);
    const shown = given.map((item) => showValue(redact ? redact(item) : item));
    problems.push(`${dashed(flag)} was given more than once (${shown.join(', ')}): give it once`);
  }
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return true;
}

/** `--rate`, `-q`. */
function dashed(name: string): string {
  return `${name.length === 1 ? '-' : '--'}${name}`;
}

/**
 * The values a flag was given on the command line, by any of its names (`--batch-size`,
 * `--batchSize`, an alias; `--x v` or `--x=v`), up to a `--`.
 */
function givenValues(commandLine: readonly string[], names: readonly string[]): string[] {
  const end = commandLine.indexOf('--');
  const args = end === -1 ? commandLine : commandLine.slice(0, end);
  const spellings = names.flatMap((name) => [
    dashed(name),
    dashed(name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())),
  ]);
  const values: string[] = [];
  args.forEach((arg, i) => {
    for (const spelling of new Set(spellings)) {
      if (arg === spelling) values.push(args[i + 1] ?? '');
      else if (arg.startsWith(`${spelling}=`)) values.push(arg.slice(spelling.length + 1));
    }
  });
  return values;
}

/** A value as the message shows it: quoted when it is empty or holds a comma or a space (`--delimiter ,`). */
function showValue(text: string): string {
  return /^[^\s,"]+$/.test(text) ? text : JSON.stringify(text);
}
