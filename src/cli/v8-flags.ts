/**
 * The V8 settings the CLI runs with (bin/sakari-sync.js), for memory that stays flat and small on
 * million-row files (issue 16: peak RSS ≤ 200 MB at 1M rows). The bench starts its children with
 * them too, so its figures are the CLI's.
 *
 * - `--heap-growing-percent=50`: a run keeps thousands of rows in flight (phone chunks, batches),
 *   so most rows outlive a scavenge and die in the old generation; by default V8 lets the old
 *   generation grow to about 4× what is live before collecting it (1M-row dry run: 110 MB of heap
 *   for ~35 MB live). 1.5× keeps it near the live size at no measurable cost in speed. V8 reads
 *   it at every collection, so `v8.setFlagsFromString` at start-up is enough.
 *
 * Not here: `--max-semi-space-size`. V8 sizes the young generation when the process starts, so
 * from `v8.setFlagsFromString` it is a no-op (measured: 32 MB of new space either way), and the
 * bench passing it on node's command line measured a process users never run. It would also cost
 * speed: a 4 MB semi-space made an unchanged 300k-row re-run ~20% slower for ~15 MB less RSS.
 */
export const CLI_V8_FLAGS: readonly string[] = ['--heap-growing-percent=50'];
