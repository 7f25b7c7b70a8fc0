import { TOKEN_PATH } from './faults.js';

/** What a request path names. */
export type Route =
  | { kind: 'token' }
  | { kind: 'contacts'; accountId: string }
  | { kind: 'contact'; accountId: string; contactId: string }
  | { kind: 'unknown'; accountId?: string };

/** Methods each route answers; anything else is 405. */
export const ROUTE_METHODS: Record<Exclude<Route['kind'], 'unknown'>, readonly string[]> = {
  token: ['POST'],
  contacts: ['GET', 'POST'],
  contact: ['GET', 'PUT', 'DELETE'],
};

const CONTACTS_PATH = /^\/v1\/accounts\/([^/]+)\/contacts\/?$/;
const CONTACT_PATH = /^\/v1\/accounts\/([^/]+)\/contacts\/([^/]+)\/?$/;
const ACCOUNT_PATH = /^\/v1\/accounts\/([^/]+)(?:\/|$)/;

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Resolves a path (without query string) to a route. */
export function resolveRoute(pathname: string): Route {
  if (pathname === TOKEN_PATH) return { kind: 'token' };
  const contacts = CONTACTS_PATH.exec(pathname);
  const accountOfContacts = contacts?.[1] === undefined ? undefined : decode(contacts[1]);
  if (accountOfContacts !== undefined) return { kind: 'contacts', accountId: accountOfContacts };
  const contact = CONTACT_PATH.exec(pathname);
  if (contact?.[1] !== undefined && contact[2] !== undefined) {
    const accountId = decode(contact[1]);
    const contactId = decode(contact[2]);
    if (accountId !== undefined && contactId !== undefined) return { kind: 'contact', accountId, contactId };
  }
  const account = ACCOUNT_PATH.exec(pathname)?.[1];
  const accountId = account === undefined ? undefined : decode(account);
  return accountId === undefined ? { kind: 'unknown' } : { kind: 'unknown', accountId };
}
