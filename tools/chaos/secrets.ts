/**
 * Looking for secrets where they must never be: everything a run printed and every file it left
 * (reports, state database, lock files), byte for byte.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** A secret to look for, and how to name it in a finding without printing it. */
export interface Secret {
  label: string;
  value: string;
}

/**
 * Where each secret occurs: in one of `texts` (name → content) or in a file under `dir` (any
 * depth), except under the files and folders in `skip` (e.g. the sandbox's own data file).
 *
 * @returns one line per finding, naming the secret by label, never by value; `[]` when clean.
 */
export async function findSecrets(
  secrets: readonly Secret[],
  texts: Readonly<Record<string, string>>,
  dir: string | undefined,
  skip: readonly string[] = [],
): Promise<string[]> {
  const wanted = secrets.filter((secret) => secret.value.length >= 4);
  const findings: string[] = [];
  for (const [name, text] of Object.entries(texts)) {
    for (const secret of wanted) if (text.includes(secret.value)) findings.push(`${secret.label} in ${name}`);
  }
  if (dir === undefined) return findings;
  const skipped = skip.map((file) => path.resolve(file));
  const isSkipped = (file: string): boolean =>
    skipped.some((s) => file === s || file.startsWith(s + path.sep));
  for (const file of await filesUnder(dir)) {
    if (isSkipped(path.resolve(file))) continue;
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      continue; // removed meanwhile (a lock released, a temporary file renamed)
    }
    for (const secret of wanted) {
      // UTF-8 and UTF-16LE: SQLite may store text either way.
      if (bytes.includes(secret.value) || bytes.includes(Buffer.from(secret.value, 'utf16le'))) {
        findings.push(`${secret.label} in ${path.relative(dir, file)}`);
      }
    }
  }
  return findings;
}

/** Every regular file below `dir`, at any depth. */
export async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return files;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}
