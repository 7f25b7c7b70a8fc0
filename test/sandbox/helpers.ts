/** Small HTTP helpers for the sandbox tests: real requests with the global `fetch`. */
import Database from 'better-sqlite3';
import {
  startSandbox,
  type Sandbox,
  type SandboxOptions,
  type StoredContact,
} from '../../src/sandbox/index.js';

export const ACCOUNT = 'acct-1';

/** A response: status, headers and the body parsed as JSON (or the raw text when it is not JSON). */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Starts sandboxes and closes every one of them in `closeAll` (call it in afterEach). */
export class Sandboxes {
  readonly #open: Sandbox[] = [];

  async start(options?: SandboxOptions): Promise<Sandbox> {
    const sandbox = await startSandbox(options);
    this.#open.push(sandbox);
    return sandbox;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#open.splice(0).map((sandbox) => sandbox.close()));
  }
}

/** POSTs a token request (JSON) and returns the answer. */
export async function requestToken(
  sandbox: Sandbox,
  body: Record<string, unknown> = {
    grant_type: 'client_credentials',
    client_id: 'sandbox',
    client_secret: 'sandbox',
  },
): Promise<Answer> {
  return answer(
    await fetch(`${sandbox.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

/** Gets a valid access token with the default credentials. */
export async function token(sandbox: Sandbox): Promise<string> {
  const reply = await requestToken(sandbox);
  const accessToken = (reply.json as { access_token?: unknown } | undefined)?.access_token;
  if (reply.status !== 200 || typeof accessToken !== 'string') throw new Error(`no token: ${reply.status}`);
  return accessToken;
}

export interface CallOptions {
  method?: string;
  /** Sent as is; a `contentType` should go with it. */
  body?: string;
  contentType?: string;
  /** `null`: no Authorization header. */
  bearer?: string | null;
  signal?: AbortSignal;
}

/** One API call; `path` is relative to the base URL (e.g. `/v1/accounts/a/contacts`). */
export async function call(sandbox: Sandbox, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.bearer !== null && options.bearer !== undefined)
    headers['authorization'] = `Bearer ${options.bearer}`;
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  const init: RequestInit = { method: options.method ?? 'GET', headers };
  if (options.body !== undefined) init.body = options.body;
  if (options.signal !== undefined) init.signal = options.signal;
  return answer(await fetch(`${sandbox.url}${path}`, init));
}

/** The contacts path of an account, with an optional query string. */
export function contactsPath(query = '', accountId = ACCOUNT): string {
  return `/v1/accounts/${accountId}/contacts${query}`;
}

/** POSTs a CSV batch. */
export function upsertCsv(sandbox: Sandbox, bearer: string, csv: string, query = '', accountId = ACCOUNT) {
  return call(sandbox, contactsPath(query, accountId), {
    method: 'POST',
    body: csv,
    contentType: 'text/csv',
    bearer,
  });
}

/** POSTs one JSON ContactRequest. */
export function upsertJson(
  sandbox: Sandbox,
  bearer: string,
  contact: unknown,
  query = '',
  accountId = ACCOUNT,
) {
  return call(sandbox, contactsPath(query, accountId), {
    method: 'POST',
    body: JSON.stringify(contact),
    contentType: 'application/json',
    bearer,
  });
}

/** The CSV header every batch of these tests starts with. */
export const CSV_HEADER = 'mobile,country,firstName,lastName,email,tags';

/** The `data` of a batch upsert answer. */
export interface UploadData {
  submitted: number;
  inserted: number;
  updated: number;
  success: number;
  contacts: StoredContact[];
  errors: Array<{ mobile: { number: string }; error: { code: string; description: string } }>;
}

/** The `data` of a successful batch upsert (throws with the answer when it was not one). */
export function uploadData(reply: Answer): UploadData {
  if (reply.status !== 201) throw new Error(`expected 201, got ${reply.status}: ${reply.text}`);
  return (reply.json as { data: UploadData }).data;
}

/** The `error` of an error answer. */
export function errorOf(reply: Answer): { code: string; message: string } | undefined {
  return (reply.json as { error?: { code: string; message: string } } | undefined)?.error;
}

/** Resolves after `ms` real milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * What a sandbox data file holds, read from the SQLite file itself by a connection of our own
 * (read-only), as account → contacts in creation order.
 */
export function readDataFile(file: string): Record<string, StoredContact[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const accounts: Record<string, StoredContact[]> = {};
    const rows = db.prepare('SELECT account, contact FROM contacts ORDER BY seq').all() as Array<{
      account: string;
      contact: string;
    }>;
    for (const { account, contact } of rows)
      (accounts[account] ??= []).push(JSON.parse(contact) as StoredContact);
    return accounts;
  } finally {
    db.close();
  }
}
