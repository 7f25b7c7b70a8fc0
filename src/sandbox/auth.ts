import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of randomness per access token (base64url: 43 characters). */
const TOKEN_BYTES = 32;
/**
 * Tokens remembered at most. A client that fetches a token per request must not grow the sandbox
 * without bound; the oldest are forgotten first (they then count as unknown, not expired).
 */
const MAX_REMEMBERED_TOKENS = 100_000;

/** What an `Authorization` header amounts to. */
export type TokenCheck = 'valid' | 'missing' | 'unknown' | 'expired';

/** The credentials of a token request, as read from its body. */
export interface TokenRequest {
  grantType: unknown;
  clientId: unknown;
  clientSecret: unknown;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Compares through fixed-size digests, so neither the length nor the content leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Issues and checks OAuth2 client-credentials tokens. Tokens are random (not derived from the secret)
 * and accepted for every account.
 */
export class TokenAuthority {
  /** token → expiry (ms since epoch); insertion ordered, so the oldest are pruned first. */
  readonly #tokens = new Map<string, number>();

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly now: () => number,
  ) {}

  /** Whether the request names the configured client and the `client_credentials` grant. */
  accepts(request: TokenRequest): boolean {
    // Evaluate every comparison, so a wrong grant takes as long as a wrong secret.
    const grantOk = request.grantType === 'client_credentials';
    const idOk = typeof request.clientId === 'string' && sameSecret(request.clientId, this.clientId);
    const secretOk =
      typeof request.clientSecret === 'string' && sameSecret(request.clientSecret, this.clientSecret);
    return grantOk && idOk && secretOk;
  }

  /** Issues a new token valid for `ttlSec` seconds from now. */
  issue(ttlSec: number): string {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    this.#tokens.set(token, this.now() + ttlSec * 1000);
    while (this.#tokens.size > MAX_REMEMBERED_TOKENS) {
      const oldest = this.#tokens.keys().next();
      if (oldest.done === true) break;
      this.#tokens.delete(oldest.value);
    }
    return token;
  }

  /** Checks an `Authorization` header value (`Bearer <token>`, scheme case-insensitive). */
  check(authorization: string | undefined): TokenCheck {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const token = match?.[1];
    if (token === undefined) return 'missing';
    const expiresAt = this.#tokens.get(token);
    if (expiresAt === undefined) return 'unknown';
    return this.now() >= expiresAt ? 'expired' : 'valid';
  }

  /** Makes every token issued so far expired. */
  expireAll(): void {
    for (const token of this.#tokens.keys()) this.#tokens.set(token, Number.NEGATIVE_INFINITY);
  }
}
