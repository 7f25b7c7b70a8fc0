import { randomInt } from 'node:crypto';

/** A source of uniformly distributed numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a tiny, fast 32-bit PRNG, plenty for deciding which requests fail. The same seed gives
 * the same sequence, which makes `failRate` / `dropRate` runs reproducible (and the generated
 * contact files of `tools/` and the tests). Without a seed a random one is drawn.
 */
export function seededRandom(seed?: number): Random {
  let state = (seed === undefined ? randomInt(0, 2 ** 32) : Math.trunc(seed)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
