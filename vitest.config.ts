import { configDefaults, defineConfig } from 'vitest/config';
import { serverSuiteExcludes } from './test/server-suites.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites that need a server npm cannot install run when it is present (CONTRACT §1).
    exclude: [...configDefaults.exclude, ...serverSuiteExcludes()],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
