/**
 * A tiny programmable HTTP server on 127.0.0.1 for the client's unit tests: each test says exactly
 * what the "API" answers, and reads back exactly what the client sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parse } from 'csv-parse/sync';
import type { StoredContact } from '../../src/sandbox/types.js';

export interface Received {
  method: string;
  /** Path without query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** Date.now() at arrival. */
  at: number;
}

/** Answers one API request; `res` is raw so a test can also delay, garble or drop. */
export type Handler = (request: Received, res: ServerResponse, index: number) => void | Promise<void>;

export interface FakeSakari {
  url: string;
  /** Every request, token requests included, in arrival order. */
  received: Received[];
  /** Requests other than the token endpoint. */
  apiRequests(): Received[];
  tokenRequests(): Received[];
  close(): Promise<void>;
}

export interface FakeOptions {
  /** Token answer: default `{access_token: 'token-1', token_type: 'bearer'}` (a new token per request: token-N). */
  token?: (index: number, res: ServerResponse, request: Received) => void;
  api: Handler;
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Sakari's error answer. */
export function apiError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers = {},
): void {
  json(res, status, { success: false, error: { code, message } }, headers);
}

/** The ContactUploadResponse for a batch where every mobile is created. */
export function uploadAllCreated(csv: string): unknown {
  const mobiles = csv
    .split('\r\n')
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => line.split(',')[0]!);
  const at = '2025-01-01T00:00:00.000Z';
  return {
    success: true,
    data: {
      submitted: mobiles.length,
      inserted: mobiles.length,
      updated: 0,
      success: mobiles.length,
      contacts: mobiles.map((number, i) => ({
        id: `c${i}`,
        mobile: { number },
        created: { at },
        updated: { at },
      })),
      errors: [],
    },
  };
}

export async function startFakeSakari(options: FakeOptions): Promise<FakeSakari> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  let tokens = 0;
  let apiCount = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const request: Received = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      received.push(request);
      if (url.pathname === '/oauth2/token') {
        tokens++;
        if (options.token) options.token(tokens, res, request);
        else json(res, 200, { access_token: `token-${tokens}`, token_type: 'bearer' });
        return;
      }
      Promise.resolve(options.api(request, res, apiCount++)).catch((error: unknown) => {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    apiRequests: () => received.filter((r) => r.path !== '/oauth2/token'),
    tokenRequests: () => received.filter((r) => r.path === '/oauth2/token'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A contact as the fake contacts API stores and echoes it (the spec's `Contact`, as the sandbox keeps it). */
export type FakeContact = StoredContact;

/** A refused row as the full answer lists it in `errors[]`. */
export interface FakeRefusal {
  mobile: { number: string; country?: string };
  error: { code: string; description: string };
}

/** The full `data` of an upload answer, every row named, before {@link ContactsApiOptions.answer}. */
export interface FakeUploadData {
  submitted: number;
  inserted: number;
  updated: number;
  success: number;
  contacts: FakeContact[];
  errors: FakeRefusal[];
}

export interface ContactsApiOptions {
  /** The refusal of a mobile (E.164 as sent), or `undefined` to store it. */
  refuse?: (mobile: string) => { code: string; description: string } | undefined;
  /** The body of an upload's answer, from its full `data` (default: `{success: true, data}`). */
  answer?: (data: FakeUploadData) => unknown;
  /** The body of a `GET .../contacts` page (default: `{success, data, pagination: {offset, limit, totalCount}}`). */
  page?: (page: { data: FakeContact[]; offset: number; limit: number; totalCount: number }) => unknown;
  /** The largest page served, whatever `limit` asks for. @default 100 */
  maxPageSize?: number;
}

/** A fake of the contacts endpoints with a real store: {@link startContactsApi}. */
export interface FakeContactsApi extends FakeSakari {
  /** The stored contacts, in creation order. */
  contacts(): FakeContact[];
  /** The mobiles of each upload, in arrival order. */
  uploads(): string[][];
  /** `GET .../contacts` requests with a `mobile` filter: the look-ups. */
  lookUps(): Received[];
  /** `GET .../contacts` requests without one: the listing's pages. */
  listings(): Received[];
}

/**
 * A fake Sakari that stores what it is sent, answering the way a live API may: each test words
 * the answers (`answer`, `page`) while the store, the look-ups by mobile (`?mobile=`, digits, "or
 * part of") and the paging stay real. Every contact written is created or updated with
 * timestamps as Sakari has them (`created.at === updated.at` for a new one).
 */
export async function startContactsApi(options: ContactsApiOptions = {}): Promise<FakeContactsApi> {
  const store = new Map<string, FakeContact>();
  const uploads: string[][] = [];
  let clock = Date.parse('2025-01-01T00:00:00.000Z');
  const fake = await startFakeSakari({
    api: (request, res) => {
      if (request.method === 'POST') {
        const rows = parse(request.body, { columns: true, skip_empty_lines: true }) as Array<
          Record<string, string>
        >;
        uploads.push(rows.map((row) => row['mobile'] ?? ''));
        const data: FakeUploadData = {
          submitted: rows.length,
          inserted: 0,
          updated: 0,
          success: 0,
          contacts: [],
          errors: [],
        };
        for (const row of rows) {
          const { mobile = '', country, firstName, lastName, email, tags, ...attributes } = row;
          const error = options.refuse?.(mobile);
          const echoed = country ? { number: mobile, country } : { number: mobile };
          if (error !== undefined) {
            data.errors.push({ mobile: echoed, error });
            continue;
          }
          const at = new Date((clock += 1000)).toISOString();
          const old = store.get(mobile);
          const contact: FakeContact = {
            id: old?.id ?? `c${store.size + 1}`,
            mobile: echoed,
            ...(firstName ? { firstName } : {}),
            ...(lastName ? { lastName } : {}),
            ...(email ? { email } : {}),
            tags: (tags ?? '')
              .split('|')
              .filter(Boolean)
              .map((tag) => ({ tag })),
            attributes,
            created: old?.created ?? { at },
            updated: { at },
          };
          store.set(mobile, contact);
          data.contacts.push(structuredClone(contact));
          if (old === undefined) data.inserted++;
          else data.updated++;
        }
        data.success = data.inserted + data.updated;
        json(res, 201, options.answer ? options.answer(data) : { success: true, data });
        return;
      }
      if (request.method === 'GET') {
        const offset = Number(request.query.get('offset') ?? 0);
        const limit = Math.min(Number(request.query.get('limit') ?? 10), options.maxPageSize ?? 100);
        const filter = request.query.get('mobile')?.replace(/\D/g, '');
        let all = [...store.values()];
        if (filter) all = all.filter((c) => c.mobile.number.replace(/\D/g, '').includes(filter));
        const page = {
          data: structuredClone(all.slice(offset, offset + limit)),
          offset,
          limit,
          totalCount: all.length,
        };
        const { data, ...pagination } = page;
        json(res, 200, options.page ? options.page(page) : { success: true, data, pagination });
        return;
      }
      apiError(res, 405, 'GEN-405', 'Method not allowed');
    },
  });
  const gets = () => fake.apiRequests().filter((r) => r.method === 'GET');
  return {
    ...fake,
    contacts: () => structuredClone([...store.values()]),
    uploads: () => uploads.map((mobiles) => [...mobiles]),
    lookUps: () => gets().filter((r) => r.query.has('mobile')),
    listings: () => gets().filter((r) => !r.query.has('mobile')),
  };
}
