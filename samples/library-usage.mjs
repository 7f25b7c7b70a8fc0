// Using sakari-sync from code instead of the CLI: `npm run build && node samples/library-usage.mjs`.
// Imports the sample file into the embedded sandbox (no account needed) and prints the outcome counts.
import { importContacts } from '../dist/index.js';

const result = await importContacts({
  sources: [new URL('./contacts.ndjson', import.meta.url).pathname],
  defaultCountry: 'GB',
  sandbox: true,
  state: false, // no incremental state for this one-off example
  reportDir: 'reports',
});

console.log(result.counts);
console.log(`report: ${result.reportPath}`);
