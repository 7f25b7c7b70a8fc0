/** What the Sakari client reports as it works (for logs, progress and the report's timeline). */
export type ClientEvent =
  | {
      type: 'request';
      method: string;
      /** Path below the API URL, without query string. */
      path: string;
      /** Absent when no response came back. */
      status?: number;
      /** Network/timeout code when no response came back (e.g. `ETIMEDOUT`). */
      error?: string;
      durationMs: number;
    }
  /** A 429; `retryAfterMs` when the server said how long to wait. */
  | { type: 'throttled'; method: string; path: string; retryAfterMs?: number }
  /**
   * The request is about to be sent again. `attempt` is the number of the coming attempt (2 for
   * the first retry); `reason` is `HTTP_<status>`, a network code, or `INVALID_JSON`.
   */
  | { type: 'retry'; method: string; path: string; attempt: number; reason: string; delayMs: number }
  /** A new access token replaced an earlier one (expired, or refused with a 401). */
  | { type: 'token-refresh' };

/** Receives {@link ClientEvent}s. Exceptions it throws are ignored: observing must not break requests. */
export type ClientEventListener = (event: ClientEvent) => void;
