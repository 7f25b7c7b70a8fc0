/** The flag that shapes what a run writes to stderr, shared by the commands that run imports. */
import type { Argv } from 'yargs';
import { LOG_FORMATS, type LogFormat } from './log.js';

/** The output flags. */
export interface OutputArgs {
  'log-format': LogFormat;
}

/**
 * Adds `--log-format text|json` (default `text`): `json` makes every stderr line one JSON object
 * (pino) for log collectors, with no progress bar and no free text.
 */
export function outputOptions<T>(y: Argv<T>): Argv<T & OutputArgs> {
  return y.option('log-format', {
    choices: LOG_FORMATS,
    default: 'text' as LogFormat,
    describe: 'stderr as human text, or one JSON object per line (structured logs; secrets redacted)',
  }) as Argv<T & OutputArgs>;
}
