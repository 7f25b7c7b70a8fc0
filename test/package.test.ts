/**
 * The package as its users load it: `dist/` (built by `npm test`'s pretest), imported and
 * `require()`d. Node 20.19+ and 22 let CommonJS code `require()` an ES module graph unless one of
 * its modules awaits at its top level; a top-level `await` anywhere would break every CommonJS user.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const DIST_INDEX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');

describe('the published entry point', () => {
  test('is require()d by CommonJS code and imported by ES modules, with the same exports', async () => {
    const run = promisify(execFile);
    const required = await run(process.execPath, [
      '-e',
      `const m = require(${JSON.stringify(DIST_INDEX)}); process.stdout.write(JSON.stringify(Object.keys(m).sort()));`,
    ]);
    const imported = await run(process.execPath, [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(DIST_INDEX)}); process.stdout.write(JSON.stringify(Object.keys(m).sort()));`,
    ]);
    const names = JSON.parse(imported.stdout) as string[];
    expect(names).toContain('importContacts');
    expect(JSON.parse(required.stdout)).toEqual(names);
  });
});
