/**
 * The version of sakari-sync that is running, from its package.json: found by walking up from
 * this module, so it is the same from `src/` (tests), `dist/` (the package) and `dist-tools/`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

function findVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'sakari-sync' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // No (readable) package.json here: keep walking up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the package.json of sakari-sync');
    dir = parent;
  }
}

/** `version` of sakari-sync's package.json. */
export const SAKARI_SYNC_VERSION = findVersion();
