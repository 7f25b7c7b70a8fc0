/** Helpers shared by the tests: temp dirs, spawning the real CLI, reading report files. */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import ts from 'typescript';
import { seededRandom } from '../src/sandbox/prng.js';
import { runCli } from '../tools/cli-spawn.js';

// Spawning the CLI: one module for the tests and the chaos suite.
export {
  CLI_BIN as BIN,
  PACKAGE_ROOT as ROOT,
  cliEnv as cleanEnv,
  reportPathOf,
  runCli,
  type CliRun,
} from '../tools/cli-spawn.js';

/** `sakari-sync import <file> --dry-run --no-state --report-dir <reportDir> ...flags`, spawned. */
export function dryRunImport(file: string, reportDir: string, ...flags: string[]): ReturnType<typeof runCli> {
  return runCli(['import', file, '--dry-run', '--no-state', '--report-dir', reportDir, ...flags]);
}

/** A fresh temp dir and a function that removes it. */
export async function tempDir(
  prefix = 'sakari-test-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Parses a CSV report file into records keyed by header. */
export async function readCsv(file: string, delimiter = ','): Promise<Record<string, string>[]> {
  return parse(await readFile(file, 'utf8'), {
    bom: true,
    columns: true,
    skip_empty_lines: true,
    delimiter,
  }) as Record<string, string>[];
}

/** The CLI flags that point a run at a sandbox (its default `sandbox`/`sandbox` credentials). */
export function sandboxFlags(url: string, account: string): string[] {
  return ['--api-url', url, '--account', account, '--client-id', 'sandbox', '--client-secret', 'sandbox'];
}

/** Every line of a JSON-lines stream, parsed (a line that is not JSON fails the test with its text). */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`stderr line is not JSON: ${line}`);
      }
    });
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Child processes and plain-node runs cannot load TypeScript. This compiles (transpile only, as
 * `isolatedModules` allows) every file of `src/` into a temp dir, from the current sources, so a
 * test never runs a stale build and never misses a file a module came to import. Packages resolve
 * through a symlink to the project's node_modules.
 */
export async function compileSources(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    isolatedModules: true,
  };
  const names = await readdir(path.join(ROOT, 'src'), { recursive: true });
  for (const file of names.filter((name) => name.endsWith('.ts'))) {
    const source = await readFile(path.join(ROOT, 'src', file), 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: file });
    const target = path.join(dir, file.replace(/\.ts$/, '.js'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The items as an async stream, as a stage gets them. */
export async function* from<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** Everything an async stream hands out, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A deterministic shuffle (mulberry32), so a failure is reproducible. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
