/**
 * The sandbox's HTTP server: node:http, no framework. Every request goes through the same steps:
 *
 * 1. at arrival, in arrival order: route (404/405), `Retry-After` violation (429), bearer token
 *    (401), rate limit (429);
 * 2. the body is read in full (over {@link MAX_BODY_BYTES}: 413);
 * 3. an injected fault, else a random one (`failRate` / `dropRate`, API requests only), decides how
 *    the request is performed and answered;
 * 4. the answer leaves after `latencyMs` (plus a `delay` fault's own delay).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MERGE_STRATEGIES, type MergeStrategy } from '../types.js';
import { shapeContactsPage, shapeUploadAnswer } from './answer-shape.js';
import { TokenAuthority, type TokenRequest } from './auth.js';
import { ContactStore, refusedContact, type RefusedContact } from './contacts.js';
import { SANDBOX_ERROR_CODES, defaultCodeForStatus, defaultMessageForStatus } from './errors.js';
import { FaultQueue, type RandomFault } from './faults.js';
import { MAX_PAGE_SIZE, applyRuntimeOptions, normaliseOptions, type NormalisedOptions } from './options.js';
import { openContactDatabase } from './persistence.js';
import { seededRandom } from './prng.js';
import { contactInputOf, parseCsvContacts, parseJsonContact } from './request-body.js';
import { ROUTE_METHODS, resolveRoute, type Route } from './routes.js';
import { Throttle, retryAfterUntil } from './throttle.js';
import {
  MAX_REQUEST_LOG_ENTRIES,
  type Fault,
  type RequestLogEntry,
  type Sandbox,
  type SandboxOptions,
  type SandboxRuntimeOptions,
  type SandboxStats,
  type StoredContact,
} from './types.js';

/**
 * Largest request body accepted (413 above). A 500-contact CSV batch is well under 1 MB; the limit
 * only protects the sandbox's memory.
 */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;
/** Page size of `GET .../contacts` without `limit`, as Sakari documents. */
const DEFAULT_PAGE_LIMIT = 10;

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** What to answer, decided before it is sent. */
interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** For a 429 carrying `Retry-After`: the end of the window it opens, given the instant it left. */
  windowUntil?: (sentAt: number) => number | undefined;
  /** Send a truncated, invalid JSON body instead (fault `garbled`). */
  garble?: boolean;
  /** Extra milliseconds before sending (fault `delay`). */
  extraDelayMs?: number;
}

/** One request in progress. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** `Date.now()` at arrival. */
  at: number;
  method: string;
  /** Path and query string, as received. */
  target: string;
  /** Path without query string. */
  path: string;
  query: URLSearchParams;
  route: Route;
  accountId: string | undefined;
}

type Counters = Omit<SandboxStats, 'writesPerMobile' | 'requestLog'>;

function emptyCounters(): Counters {
  return {
    requests: 0,
    apiRequests: 0,
    tokensIssued: 0,
    throttled: 0,
    retryAfterViolations: 0,
    faultsInjected: 0,
  };
}

function errorReply(status: number, code: string, message: string, headers?: Record<string, string>): Reply {
  return { status, body: { success: false, error: { code, message } }, ...(headers ? { headers } : {}) };
}

function rateLimitedReply(retryAfterSec: number, opensWindow: boolean): Reply {
  const reply = errorReply(429, SANDBOX_ERROR_CODES.rateLimited, 'Too many requests', {
    'retry-after': String(retryAfterSec),
  });
  // A repeated 429 (after a violation) does not open a window of its own: the one violated still runs.
  return opensWindow ? { ...reply, windowUntil: (sentAt) => sentAt + retryAfterSec * 1000 } : reply;
}

function statusFaultReply(fault: { status: number; retryAfter?: string; code?: string }): Reply {
  const reply = errorReply(
    fault.status,
    fault.code ?? defaultCodeForStatus(fault.status),
    defaultMessageForStatus(fault.status),
    fault.retryAfter === undefined ? undefined : { 'retry-after': fault.retryAfter },
  );
  const retryAfter = fault.retryAfter;
  if (fault.status !== 429 || retryAfter === undefined) return reply;
  return { ...reply, windowUntil: (sentAt) => retryAfterUntil(retryAfter, sentAt) };
}

/** The media type of a `Content-Type` header, lower-cased, without parameters. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function isJsonMediaType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

function isMergeStrategy(value: string): value is MergeStrategy {
  return (MERGE_STRATEGIES as readonly string[]).includes(value);
}

/** Reads an integer query parameter within bounds; a message when it is not one. */
function integerParam(
  query: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): { ok: true; value: number } | { ok: false; message: string } {
  const raw = query.get(name);
  if (raw === null || raw === '') return { ok: true, value: fallback };
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    return { ok: false, message: `${name} must be an integer ${range}` };
  }
  return { ok: true, value };
}

/** Reads the whole body; `undefined` when the client went away first. Past `limit` bytes it is discarded. */
function readBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ body: Buffer; tooLarge: boolean } | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Keep draining, so the client gets the 413 instead of a reset while still sending.
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks), tooLarge }));
    req.on('error', () => resolve(undefined));
    req.on('close', () => resolve(undefined)); // no-op when 'end' came first
  });
}

/** Reads a token request body: JSON (CONTRACT §2) or, as OAuth2 clients often send, a form. */
function parseTokenRequest(contentType: string, text: string): TokenRequest | undefined {
  if (contentType === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(text);
    return {
      grantType: form.get('grant_type') ?? undefined,
      clientId: form.get('client_id') ?? undefined,
      clientSecret: form.get('client_secret') ?? undefined,
    };
  }
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
    const record = body as Record<string, unknown>;
    return {
      grantType: record['grant_type'],
      clientId: record['client_id'],
      clientSecret: record['client_secret'],
    };
  } catch {
    return undefined;
  }
}

/** The running simulator; see {@link startSandbox}. */
class SandboxServer implements Sandbox {
  #options: NormalisedOptions;
  readonly #store: ContactStore;
  readonly #auth: TokenAuthority;
  readonly #throttle: Throttle;
  readonly #faults: FaultQueue;
  readonly #server: Server;
  readonly #pending = new Set<NodeJS.Timeout>();
  #counters = emptyCounters();
  #requestLog: RequestLogEntry[] = [];
  #url = '';
  #port = 0;
  #closing: Promise<void> | undefined;

  constructor(options: NormalisedOptions, store: ContactStore) {
    this.#options = options;
    this.#store = store;
    this.#auth = new TokenAuthority(options.clientId, options.clientSecret, () => Date.now());
    this.#throttle = new Throttle(() => ({
      rate: this.#options.rate,
      burst: this.#options.burst,
      graceMs: this.#options.retryAfterGraceMs,
    }));
    this.#faults = new FaultQueue(seededRandom(options.seed), () => this.#options);
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      const body = JSON.stringify({
        success: false,
        error: { code: SANDBOX_ERROR_CODES.badRequest, message: 'Malformed HTTP request' },
      });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: ${JSON_CONTENT_TYPE}\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
  }

  /** Binds the server; rejects when the port cannot be bound. */
  async listen(): Promise<void> {
    const { host, port } = this.#options;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address() as AddressInfo;
    this.#port = address.port;
    const printableHost = address.address.includes(':') ? `[${address.address}]` : address.address;
    this.#url = `http://${printableHost}:${address.port}`;
  }

  get url(): string {
    return this.#url;
  }

  get port(): number {
    return this.#port;
  }

  stats(): SandboxStats {
    return {
      ...this.#counters,
      writesPerMobile: this.#store.writesPerMobile(),
      requestLog: this.#requestLog.slice(-MAX_REQUEST_LOG_ENTRIES).map((entry) => ({ ...entry })),
    };
  }

  contacts(accountId: string): StoredContact[] {
    return this.#store.all(accountId);
  }

  inject(...faults: Fault[]): void {
    this.#faults.push(faults);
  }

  setOptions(patch: SandboxRuntimeOptions): void {
    const next = applyRuntimeOptions(this.#options, patch);
    const limitsChanged = next.rate !== this.#options.rate || next.burst !== this.#options.burst;
    this.#options = next;
    if (limitsChanged) this.#throttle.resetBuckets();
  }

  expireTokens(): void {
    this.#auth.expireAll();
  }

  reset(): void {
    this.#store.clear();
    this.#counters = emptyCounters();
    this.#requestLog = [];
    this.#faults.clear();
    this.#throttle.reset();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const timer of this.#pending) clearTimeout(timer);
      this.#pending.clear();
      await new Promise<void>((resolve, reject) => {
        this.#server.close((error) => (error ? reject(error) : resolve()));
        this.#server.closeAllConnections();
      });
      this.#store.close();
    })();
    return this.#closing;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const at = Date.now();
    const target = req.url ?? '/';
    let url: URL;
    try {
      url = new URL(target, 'http://sandbox.invalid');
    } catch {
      url = new URL('http://sandbox.invalid/');
    }
    const route = resolveRoute(url.pathname);
    const exchange: Exchange = {
      req,
      res,
      at,
      method: (req.method ?? 'GET').toUpperCase(),
      target,
      path: url.pathname,
      query: url.searchParams,
      route,
      accountId: route.kind === 'token' ? undefined : route.accountId,
    };
    this.#counters.requests += 1;
    if (route.kind !== 'token') this.#counters.apiRequests += 1;
    // Decided now, in arrival order: these depend on the headers and the arrival time only.
    const early = this.#screen(exchange);
    void readBody(req, MAX_BODY_BYTES).then((body) => {
      // The client went away mid-request, or the sandbox is closing (its database may be closed).
      if (body === undefined || this.#closing !== undefined) return;
      if (early !== undefined) this.#send(exchange, early);
      else if (body.tooLarge) {
        this.#send(
          exchange,
          errorReply(413, SANDBOX_ERROR_CODES.payloadTooLarge, `Body larger than ${MAX_BODY_BYTES} bytes`),
        );
      } else this.#dispatch(exchange, body.body);
    });
  }

  /** Route, `Retry-After` violation, authentication and rate limit: the answer when one of them refuses. */
  #screen(exchange: Exchange): Reply | undefined {
    const { route, method } = exchange;
    if (route.kind === 'unknown') {
      return errorReply(404, SANDBOX_ERROR_CODES.notFound, `No route for ${method} ${exchange.path}`);
    }
    const allowed = ROUTE_METHODS[route.kind];
    if (!allowed.includes(method)) {
      return errorReply(405, SANDBOX_ERROR_CODES.methodNotAllowed, `${method} is not allowed here`, {
        allow: allowed.join(', '),
      });
    }
    if (route.kind === 'token') return undefined;
    const violationRetryAfter = this.#throttle.violation(route.accountId, exchange.at);
    if (violationRetryAfter !== undefined) {
      this.#counters.retryAfterViolations += 1;
      return rateLimitedReply(violationRetryAfter, false);
    }
    const token = this.#auth.check(exchange.req.headers.authorization);
    if (token === 'expired') {
      return errorReply(401, SANDBOX_ERROR_CODES.tokenExpired, 'token expired', {
        'www-authenticate': 'Bearer error="invalid_token"',
      });
    }
    if (token !== 'valid') {
      const message = token === 'missing' ? 'Missing bearer token' : 'Invalid access token';
      return errorReply(401, SANDBOX_ERROR_CODES.unauthorized, message, { 'www-authenticate': 'Bearer' });
    }
    const throttledFor = this.#throttle.take(route.accountId, exchange.at);
    return throttledFor === undefined ? undefined : rateLimitedReply(throttledFor, true);
  }

  /** Applies the request's fault, if any, around performing it. */
  #dispatch(exchange: Exchange, body: Buffer): void {
    const isToken = exchange.route.kind === 'token';
    const fault: Fault | RandomFault | undefined =
      this.#faults.take(exchange.method, exchange.target, isToken) ??
      (isToken ? undefined : this.#faults.draw());
    if (fault !== undefined) this.#counters.faultsInjected += 1;
    const perform = (): Reply => this.#perform(exchange, body);
    switch (fault?.kind) {
      case undefined:
        this.#send(exchange, perform());
        return;
      case 'status':
        this.#send(exchange, statusFaultReply(fault));
        return;
      case 'drop':
        this.#drop(exchange);
        return;
      case 'delay':
        this.#send(exchange, { ...perform(), extraDelayMs: fault.ms });
        return;
      case 'garbled': {
        const reply = perform();
        const status = reply.status >= 200 && reply.status < 300 ? reply.status : 201;
        this.#send(exchange, { ...reply, status, garble: true });
        return;
      }
      case 'apply-then-fail':
        perform();
        this.#send(
          exchange,
          errorReply(fault.status, defaultCodeForStatus(fault.status), defaultMessageForStatus(fault.status)),
        );
        return;
    }
  }

  #perform(exchange: Exchange, body: Buffer): Reply {
    const { route, method } = exchange;
    switch (route.kind) {
      case 'token':
        return this.#issueToken(exchange, body);
      case 'contacts':
        return method === 'POST'
          ? this.#upsert(exchange, route.accountId, body)
          : this.#list(exchange, route.accountId);
      case 'contact':
        return this.#contact(exchange, route.accountId, route.contactId, body);
      case 'unknown':
        return errorReply(404, SANDBOX_ERROR_CODES.notFound, `No route for ${method} ${exchange.path}`);
    }
  }

  #issueToken(exchange: Exchange, body: Buffer): Reply {
    const request = parseTokenRequest(mediaType(exchange.req.headers['content-type']), body.toString('utf8'));
    if (request === undefined) {
      return errorReply(400, SANDBOX_ERROR_CODES.tokenRequestInvalid, 'Token request must be a JSON object');
    }
    if (!this.#auth.accepts(request)) {
      return errorReply(401, SANDBOX_ERROR_CODES.unauthorized, 'Invalid client credentials or grant type');
    }
    const ttlSec = this.#options.tokenTtlSec;
    const accessToken = this.#auth.issue(ttlSec);
    this.#counters.tokensIssued += 1;
    return {
      status: 200,
      body: { access_token: accessToken, token_type: 'Bearer', expires_in: Math.ceil(ttlSec) },
      headers: { 'cache-control': 'no-store' },
    };
  }

  #upsert(exchange: Exchange, accountId: string, body: Buffer): Reply {
    const strategy = exchange.query.get('mergeStrategy') ?? 'append';
    if (!isMergeStrategy(strategy)) {
      return errorReply(
        400,
        SANDBOX_ERROR_CODES.badRequest,
        `mergeStrategy must be one of ${MERGE_STRATEGIES.join(', ')}`,
      );
    }
    const text = body.toString('utf8');
    if (text.trim() === '') return errorReply(400, SANDBOX_ERROR_CODES.contactRequestInvalid, 'Empty body');
    const type = mediaType(exchange.req.headers['content-type']);
    if (type === 'text/csv') {
      const parsed = parseCsvContacts(text);
      if (!parsed.ok) return errorReply(400, SANDBOX_ERROR_CODES.contactRequestInvalid, parsed.message);
      const outcomes = this.#store.upsertBatch(
        accountId,
        parsed.value,
        strategy,
        this.#options.blocked,
        Date.now(),
      );
      const contacts: StoredContact[] = [];
      const errors: RefusedContact[] = [];
      let inserted = 0;
      for (const outcome of outcomes) {
        if (outcome.written) {
          contacts.push(outcome.contact);
          if (outcome.created) inserted += 1;
        } else {
          errors.push(refusedContact(outcome.input, outcome.error));
        }
      }
      const data = {
        submitted: parsed.value.length,
        inserted,
        updated: contacts.length - inserted,
        success: contacts.length,
        contacts,
        errors,
      };
      return {
        status: 201,
        body: { success: true, data: shapeUploadAnswer(data, this.#options.answerShape) },
      };
    }
    if (isJsonMediaType(type)) {
      const parsed = parseJsonContact(text);
      if (!parsed.ok) return errorReply(400, SANDBOX_ERROR_CODES.contactRequestInvalid, parsed.message);
      const outcome = this.#store.upsertOne(
        accountId,
        contactInputOf(parsed.value),
        strategy,
        this.#options.blocked,
        Date.now(),
      );
      if (!outcome.written) return errorReply(400, outcome.error.code, outcome.error.description);
      return { status: 201, body: { success: true, data: [outcome.contact] } };
    }
    return errorReply(
      415,
      SANDBOX_ERROR_CODES.unsupportedMediaType,
      'Content-Type must be text/csv (batch) or application/json (one contact)',
    );
  }

  #list(exchange: Exchange, accountId: string): Reply {
    const offset = integerParam(exchange.query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    if (!offset.ok) return errorReply(400, SANDBOX_ERROR_CODES.badRequest, offset.message);
    const asked = integerParam(exchange.query, 'limit', DEFAULT_PAGE_LIMIT, 1, MAX_PAGE_SIZE);
    if (!asked.ok) return errorReply(400, SANDBOX_ERROR_CODES.badRequest, asked.message);
    // A capped page is served without a word, as a live API may; `pagination.limit` says the cap.
    const limit = Math.min(asked.value, this.#options.maxPageSize);
    // An unencoded `+` in a query string reads as a space: trimming makes `mobile=+4477` work too.
    const mobile = exchange.query.get('mobile')?.trim() || undefined;
    const page = this.#store.list(accountId, offset.value, limit, mobile);
    const shaped = { ...page, offset: offset.value, limit };
    return { status: 200, body: shapeContactsPage(shaped, this.#options.pagination) };
  }

  #contact(exchange: Exchange, accountId: string, contactId: string, body: Buffer): Reply {
    const notFound = errorReply(404, SANDBOX_ERROR_CODES.contactNotFound, 'Contact not found');
    if (exchange.method === 'GET') {
      const contact = this.#store.get(accountId, contactId);
      return contact === undefined ? notFound : { status: 200, body: { success: true, data: contact } };
    }
    if (exchange.method === 'DELETE') {
      const contact = this.#store.remove(accountId, contactId);
      if (contact === undefined) return notFound;
      return { status: 200, body: { success: true, data: contact } };
    }
    const parsed = parseJsonContact(body.toString('utf8'));
    if (!parsed.ok) return errorReply(400, SANDBOX_ERROR_CODES.contactRequestInvalid, parsed.message);
    const outcome = this.#store.update(accountId, contactId, parsed.value, Date.now());
    if (outcome.kind === 'not-found') return notFound;
    if (outcome.kind === 'refused')
      return errorReply(outcome.status, outcome.error.code, outcome.error.description);
    return { status: 200, body: { success: true, data: outcome.contact } };
  }

  #send(exchange: Exchange, reply: Reply): void {
    const delayMs = this.#options.latencyMs + (reply.extraDelayMs ?? 0);
    if (delayMs <= 0) {
      this.#write(exchange, reply);
      return;
    }
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      this.#write(exchange, reply);
    }, delayMs);
    this.#pending.add(timer);
  }

  #write(exchange: Exchange, reply: Reply): void {
    const { res } = exchange;
    if (res.destroyed || res.writableEnded) return; // the client gave up (e.g. timed out on a delay)
    const sentAt = Date.now();
    if (reply.status === 429) this.#counters.throttled += 1;
    const until = reply.windowUntil?.(sentAt);
    if (until !== undefined && exchange.accountId !== undefined) {
      this.#throttle.recordWindow(exchange.accountId, sentAt, until);
    }
    let text = JSON.stringify(reply.body);
    // A proper prefix of a JSON object is never valid JSON.
    if (reply.garble === true) text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    res.writeHead(reply.status, {
      ...reply.headers,
      'content-type': JSON_CONTENT_TYPE,
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
    this.#log(exchange, reply.status);
  }

  #drop(exchange: Exchange): void {
    exchange.req.socket.destroy();
    this.#log(exchange, 0);
  }

  #log(exchange: Exchange, status: number): void {
    const entry: RequestLogEntry = { at: exchange.at, method: exchange.method, path: exchange.path, status };
    if (exchange.accountId !== undefined) entry.accountId = exchange.accountId;
    this.#requestLog.push(entry);
    // Trim in chunks rather than on every request: shifting a 100k array each time would be quadratic.
    if (this.#requestLog.length > MAX_REQUEST_LOG_ENTRIES * 1.1) {
      this.#requestLog.splice(0, this.#requestLog.length - MAX_REQUEST_LOG_ENTRIES);
    }
  }
}

/**
 * Starts the Sakari simulator on `options.host` (default 127.0.0.1) and `options.port` (default: any
 * free port). Rejects when an option is invalid (`RangeError`), the data file is unreadable, or the
 * port cannot be bound.
 *
 * @example
 * ```ts
 * const sandbox = await startSandbox({ rate: 5, blocked: ['+15005550001'] });
 * try {
 *   // point the client at sandbox.url with client id/secret 'sandbox'/'sandbox'
 * } finally {
 *   await sandbox.close();
 * }
 * ```
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const normalised = normaliseOptions(options);
  const store = new ContactStore(openContactDatabase(normalised.dataFile));
  const sandbox = new SandboxServer(normalised, store);
  try {
    await sandbox.listen();
  } catch (error) {
    store.close();
    throw error;
  }
  return sandbox;
}
