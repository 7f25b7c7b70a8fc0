/**
 * The one error class of the readers: a source that cannot be read at all, as opposed to a bad
 * record, which is a {@link SourceRow} with `error` set.
 */

/** Why a whole source could not be read. Public API: the CLI maps these to messages and exit codes. */
export type SourceErrorCode =
  /** The path does not exist. */
  | 'SOURCE_NOT_FOUND'
  /** The path exists but cannot be read (permissions, a directory, an I/O error). */
  | 'SOURCE_UNREADABLE'
  /** The bytes are not the format they should be (binary, bad gzip, JSON syntax error, not an array). */
  | 'SOURCE_FORMAT'
  /** The source holds no data (no bytes, only whitespace, or no header row). */
  | 'SOURCE_EMPTY'
  /** The text encoding is unsupported or the bytes are clearly in another encoding. */
  | 'SOURCE_ENCODING';

/** Every {@link SourceErrorCode}, for snapshot tests and `--help` texts. */
export const SOURCE_ERROR_CODES: readonly SourceErrorCode[] = [
  'SOURCE_NOT_FOUND',
  'SOURCE_UNREADABLE',
  'SOURCE_FORMAT',
  'SOURCE_EMPTY',
  'SOURCE_ENCODING',
];

/**
 * A source that cannot be read. The message always names the file.
 *
 * @example
 * ```ts
 * try { for await (const row of source.rows) ... }
 * catch (error) { if (error instanceof SourceError && error.code === 'SOURCE_FORMAT') ... }
 * ```
 */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  /** What kind of failure this is. */
  readonly code: SourceErrorCode;
  /** The source path as the user gave it (`-` for stdin). */
  readonly file: string;
  /**
   * Where the problem is, when known: CSV physical line, or JSON/NDJSON 1-based record index.
   */
  readonly line?: number;

  constructor(
    code: SourceErrorCode,
    file: string,
    message: string,
    options: { line?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = file;
    if (options.line !== undefined) this.line = options.line;
  }
}

/** How a path is named in messages: stdin gets a word instead of `-`. */
export function describeSource(file: string): string {
  return file === '-' ? 'standard input' : file;
}

/**
 * An error thrown inside a library reading a container format (exceljs for a workbook, yauzl for
 * a zip archive), as a `SOURCE_FORMAT` {@link SourceError} naming the file: `<file>: cannot read
 * the <what>: <the library's message>`. A SourceError passes as it is.
 */
export function unreadableFormat(error: unknown, file: string, what: string): SourceError {
  if (error instanceof SourceError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new SourceError(
    'SOURCE_FORMAT',
    file,
    `${describeSource(file)}: cannot read the ${what}: ${reason}`,
    {
      cause: error,
    },
  );
}
