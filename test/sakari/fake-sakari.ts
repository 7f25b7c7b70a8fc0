/**
 * A tiny programmable HTTP server on 127.0.0.1 for the client's unit tests: each test says exactly
 * what the "API" answers, and reads back exactly what the client sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

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
