import type { Random } from './prng.js';
import type { Fault, FaultMatch } from './types.js';

/** The token endpoint's path; faults reach it only when their `match.pathIncludes` names it. */
export const TOKEN_PATH = '/oauth2/token';

/** A fault drawn at random from `failRate` / `dropRate`. */
export type RandomFault = { kind: 'drop' } | { kind: 'status'; status: 500 | 503 };

function checkFault(fault: Fault): void {
  const fail = (what: string): never => {
    throw new RangeError(`sandbox fault ${JSON.stringify(fault)}: ${what}`);
  };
  if (fault.kind === 'status' || fault.kind === 'apply-then-fail') {
    if (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599) {
      fail('status must be an HTTP status code');
    }
  }
  if (fault.kind === 'apply-then-fail' && fault.status < 500) fail('apply-then-fail needs a 5xx status');
  if (fault.kind === 'delay' && !(Number.isFinite(fault.ms) && fault.ms >= 0)) fail('ms must be >= 0');
}

function matches(match: FaultMatch | undefined, method: string, target: string, isToken: boolean): boolean {
  // Token requests are only hit on purpose: `match.pathIncludes` must be given and match (below).
  if (isToken && match?.pathIncludes === undefined) return false;
  if (match === undefined) return true;
  if (match.method !== undefined && match.method.toUpperCase() !== method.toUpperCase()) return false;
  if (match.pathIncludes !== undefined && !target.includes(match.pathIncludes)) return false;
  return true;
}

/** Injected faults (FIFO) and the seeded random ones. */
export class FaultQueue {
  #queue: Fault[] = [];

  constructor(
    private readonly random: Random,
    private readonly rates: () => { failRate: number; dropRate: number },
  ) {}

  /** Queues faults after validating them (a bad one throws a `RangeError` and none is queued). */
  push(faults: readonly Fault[]): void {
    faults.forEach(checkFault);
    this.#queue.push(...faults.map((fault) => structuredClone(fault)));
  }

  /**
   * Removes and returns the first queued fault matching the request, if any.
   * @param target - path and query string
   */
  take(method: string, target: string, isToken: boolean): Fault | undefined {
    const index = this.#queue.findIndex((fault) => matches(fault.match, method, target, isToken));
    if (index < 0) return undefined;
    const [fault] = this.#queue.splice(index, 1);
    return fault;
  }

  /**
   * Draws the random fault of one API request, if any. The draws depend only on the options and on
   * how many requests came before, so a seeded run is reproducible.
   */
  draw(): RandomFault | undefined {
    const { failRate, dropRate } = this.rates();
    if (dropRate > 0 && this.random() < dropRate) return { kind: 'drop' };
    if (failRate > 0 && this.random() < failRate) {
      return { kind: 'status', status: this.random() < 0.5 ? 500 : 503 };
    }
    return undefined;
  }

  /** Forgets every queued fault. */
  clear(): void {
    this.#queue = [];
  }
}
