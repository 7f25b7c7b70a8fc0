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

type FlagValue<D> = D extends { type: 'boolean' } ? boolean : D extends { type: 'number' } ? number : string;

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
