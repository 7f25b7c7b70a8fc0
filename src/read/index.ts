/**
 * Source readers: a CSV, JSON-array or NDJSON file (gzipped or not, or stdin) streamed into
 * `SourceRow`s that keep their provenance (`ref: {file, line, seq}`), with the source's
 * original column names as keys. Mapping those names to contact fields is the next stage's job.
 */

export { openSource, sha256File, READ_CHUNK_BYTES } from './open-source.js';
export { openArchive, type ArchiveMember, type OpenedArchive } from './archive.js';
export { SourceError, SOURCE_ERROR_CODES, type SourceErrorCode } from './errors.js';
export {
  SOURCE_FORMATS,
  ENCODING_EXAMPLES,
  NAME_A_CODE_PAGE,
  type OpenedSource,
  type ReadOptions,
  type RecordFingerprinter,
  type RecordRecall,
  type SourceEncoding,
  type SourceFormat,
  type SourceInfo,
} from './types.js';
export { MAX_RECORD_CHARS } from './context.js';
export { detectDelimiter, formatFromExtension, looksLikeLabel, DELIMITER_CANDIDATES } from './detect.js';
export { encodingName, encodingOrigin, requestedEncoding } from './legacy-encoding.js';
export { uniqueHeaders } from './csv.js';
