/**
 * The sandbox of one chaos run, which may be restarted mid-run on the same port with the same data
 * file: counters are summed over every instance, so nothing a restart forgets goes unseen.
 */
import {
  startSandbox,
  type Sandbox,
  type SandboxOptions,
  type SandboxStats,
  type StoredContact,
} from '../../src/sandbox/index.js';

/** The counters a chaos scenario judges, summed over the sandbox's restarts. */
export interface StackStats {
  apiRequests: number;
  tokensIssued: number;
  throttled: number;
  retryAfterViolations: number;
  faultsInjected: number;
  /** E.164 → writes, for the chaos account. */
  writesPerMobile: Map<string, number>;
}

/** A sandbox that can be restarted; see {@link SandboxStack.start}. */
export class SandboxStack {
  #current: Sandbox;
  readonly #finished: SandboxStats[] = [];

  private constructor(
    current: Sandbox,
    private readonly options: SandboxOptions,
    private readonly account: string,
  ) {
    this.#current = current;
  }

  /** Starts the first sandbox (127.0.0.1, any free port unless `options.port` names one). */
  static async start(options: SandboxOptions, account: string): Promise<SandboxStack> {
    return new SandboxStack(await startSandbox(options), options, account);
  }

  /** The sandbox running now. */
  get sandbox(): Sandbox {
    return this.#current;
  }

  get url(): string {
    return this.#current.url;
  }

  /**
   * Closes the sandbox (every open connection is cut, the data file saved), waits `downMs` with
   * nothing listening, then starts a new one on the same port with the same options and data file.
   */
  async restart(downMs: number): Promise<void> {
    const port = this.#current.port;
    this.#finished.push(this.#current.stats());
    await this.#current.close();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    this.#current = await startSandbox({ ...this.options, port });
  }

  /** Counters summed over every instance so far, the running one included. */
  stats(): StackStats {
    const all = [...this.#finished, this.#current.stats()];
    const writes = new Map<string, number>();
    for (const stats of all) {
      for (const [mobile, count] of Object.entries(stats.writesPerMobile[this.account] ?? {})) {
        writes.set(mobile, (writes.get(mobile) ?? 0) + count);
      }
    }
    const sum = (pick: (s: SandboxStats) => number): number => all.reduce((total, s) => total + pick(s), 0);
    return {
      apiRequests: sum((s) => s.apiRequests),
      tokensIssued: sum((s) => s.tokensIssued),
      throttled: sum((s) => s.throttled),
      retryAfterViolations: sum((s) => s.retryAfterViolations),
      faultsInjected: sum((s) => s.faultsInjected),
      writesPerMobile: writes,
    };
  }

  /** The contacts the running sandbox holds for the chaos account. */
  contacts(): StoredContact[] {
    return this.#current.contacts(this.account);
  }

  async close(): Promise<void> {
    await this.#current.close();
  }
}
