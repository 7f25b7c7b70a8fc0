/**
 * A recording pass-through proxy in front of the sandbox: it forwards every request unchanged and
 * remembers the access tokens the token endpoint hands out, so the suite can grep everything the
 * CLI wrote for them. The sandbox never reveals its tokens, and the CLI must not either.
 */
import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The token endpoint (CONTRACT §2). */
const TOKEN_PATH = '/oauth2/token';

/** A running tap. */
export interface TokenTap {
  /** Base URL to give the CLI instead of the sandbox's. */
  readonly url: string;
  /** Every access token that passed through, in order. */
  readonly tokens: readonly string[];
  close(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 (any free port) forwarding to `upstream` (e.g. the sandbox's URL).
 * An upstream connection that fails or is dropped drops the client's connection too, so the
 * client sees what it would have seen without the tap; a client that goes away cancels the
 * upstream request.
 */
export async function startTokenTap(upstream: string): Promise<TokenTap> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const tokens: string[] = [];
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const isToken = (req.url ?? '').startsWith(TOKEN_PATH);
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => {
          if (isToken) chunks.push(chunk);
          res.write(chunk);
        });
        answer.on('end', () => {
          if (isToken) remember(Buffer.concat(chunks).toString('utf8'));
          res.end();
        });
        answer.on('error', () => req.socket.destroy());
        answer.on('aborted', () => req.socket.destroy());
        res.writeHead(answer.statusCode ?? 502, answer.headers);
      },
    );
    outgoing.on('error', () => req.socket.destroy());
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    req.pipe(outgoing);
  };

  const remember = (body: string): void => {
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed === 'object' && parsed !== null && 'access_token' in parsed) {
        const token = (parsed as { access_token: unknown }).access_token;
        if (typeof token === 'string' && token !== '') tokens.push(token);
      }
    } catch {
      // Not a token answer (an error, a garbled body): nothing to remember.
    }
  };

  const server: Server = createServer(forward);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tokens,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
