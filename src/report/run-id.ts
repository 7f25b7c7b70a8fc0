import { randomBytes } from 'node:crypto';

/** Random hex digits after the timestamp: two runs started in the same second still get distinct folders. */
const RUN_ID_RANDOM_BYTES = 2;

/** What a run id looks like (`20261122T210501Z-3f9a`). */
export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{4}$/;

/**
 * A new run id: the UTC start time to the second in ISO 8601 basic format, then 4 random hex digits.
 * Ids sort by start time, and are safe as a folder name on every platform.
 *
 * @example newRunId(new Date('2026-11-22T21:05:01.250Z')) // '20261122T210501Z-3f9a'
 */
export function newRunId(now: Date = new Date()): string {
  if (Number.isNaN(now.getTime())) throw new RangeError('newRunId: invalid date');
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  const stamp =
    pad(now.getUTCFullYear(), 4) +
    pad(now.getUTCMonth() + 1) +
    pad(now.getUTCDate()) +
    'T' +
    pad(now.getUTCHours()) +
    pad(now.getUTCMinutes()) +
    pad(now.getUTCSeconds()) +
    'Z';
  return `${stamp}-${randomBytes(RUN_ID_RANDOM_BYTES).toString('hex')}`;
}
