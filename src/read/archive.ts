/**
 * Exports that come as a zip of files rather than one file: Mailchimp's audience export (one CSV per
 * status), HubSpot's and Salesforce's large exports, a folder compressed by hand. Such an archive
 * is read as the sources it holds, in the archive's order, each as if it were given on its own
 * (its format from its name, its own header and mapping), named `<archive>/<member>`.
 *
 * A zip that is an Office Open XML package (an `.xlsx`, whatever it is called) is no archive: the
 * Excel reader reads it. So is a zip holding no file of a format read here: the Excel reader
 * refuses it, naming what it holds (xlsx.ts `archiveMessage`).
 *
 * yauzl reads the zip's central directory, then each member from its offset in the file: only a
 * file on disk, never stdin (a zip's directory is at its end). Members are decompressed as they
 * are read, their CRC checked.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';

import yauzl from 'yauzl';

import { formatFromExtension, hasZipMagic, sourceExtension } from './detect.js';
import { describeSource, SourceError, unreadableFormat } from './errors.js';

/** A file inside an archive, to be read as a source of its own. */
export interface ArchiveMember {
  /** How the source is named: `<archive path>/<name in the archive>`. */
  path: string;
  /** Its bytes, decompressed, CRC-checked at the end. */
  open(): Promise<Readable>;
}

/** An archive opened for its members; `close` releases the file. */
export interface OpenedArchive {
  members: ArchiveMember[];
  close(): void;
}

/** Spreadsheets not read here: a member so named is read so that the Excel reader says what to do. */
const REFUSED_SPREADSHEETS = new Set(['.xls', '.xlsb', '.ods']);

/**
 * The members to read of a zip archive of export files, or undefined when `path` is no such
 * archive (not a zip, a workbook, a zip without a member to read): then it is opened as itself.
 * Resource forks (`__MACOSX/`), dot files and folders are not members.
 *
 * @throws SourceError `SOURCE_FORMAT` naming the file when its zip is damaged or encrypted.
 */
export async function openArchive(path: string): Promise<OpenedArchive | undefined> {
  if (path === '-' || !(await startsLikeZip(path))) return undefined;
  let zip: yauzl.ZipFile;
  try {
    zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(path, {
      lazyEntries: true,
      autoClose: false,
    });
  } catch {
    // Not a readable zip: the Excel reader says why, naming the file.
    return undefined;
  }
  try {
    const entries = await readEntries(zip, path);
    const names = entries.map((entry) => entry.fileName.replace(/\\/g, '/'));
    if (names.some((name) => isPackagePart(name))) {
      zip.close();
      return undefined;
    }
    const members: ArchiveMember[] = [];
    entries.forEach((entry, index) => {
      const name = names[index] as string;
      if (!isMemberToRead(name)) return;
      if (entry.isEncrypted()) {
        throw new SourceError(
          'SOURCE_FORMAT',
          path,
          `${describeSource(path)}: ${name} is encrypted; extract it with its password and import it`,
        );
      }
      members.push({
        path: `${path}/${name}`,
        open: () => promisify<yauzl.Entry, Readable>(zip.openReadStream.bind(zip))(entry),
      });
    });
    if (members.length === 0) {
      zip.close();
      return undefined;
    }
    return { members, close: () => zip.close() };
  } catch (error) {
    zip.close();
    throw archiveFailure(error, path);
  }
}

/** Whether the file starts with a zip's local header (`PK 03 04`). */
async function startsLikeZip(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return false; // openSource says why it cannot be read
  }
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return hasZipMagic(head.subarray(0, bytesRead));
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

/** Every entry of the central directory, in its order. */
function readEntries(zip: yauzl.ZipFile, path: string): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (error: unknown) => reject(archiveFailure(error, path)));
    zip.readEntry();
  });
}

/**
 * A part of an Office Open XML package (`[Content_Types].xml`, anything under `xl/`): a zip that
 * has one is a workbook, damaged or not, and no archive of files (also xlsx.ts' test).
 */
export function isPackagePart(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === '[content_types].xml' || lower.startsWith('xl/');
}

/** A file of the archive read as a source: a format read here, or a spreadsheet refused by name. */
function isMemberToRead(name: string): boolean {
  if (!isArchivedFile(name)) return false;
  return formatFromExtension(name) !== undefined || REFUSED_SPREADSHEETS.has(sourceExtension(name));
}

/** A file of an archive (`/`-separated name), not a folder, macOS's `__MACOSX/` fork or a dot file. */
export function isArchivedFile(name: string): boolean {
  return !name.endsWith('/') && !name.startsWith('__MACOSX/') && !/(^|\/)\./.test(name);
}

function archiveFailure(error: unknown, path: string): SourceError {
  return unreadableFormat(error, path, 'zip archive');
}
