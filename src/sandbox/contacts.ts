import { randomUUID } from 'node:crypto';
import type { MergeStrategy } from '../types.js';
import { SANDBOX_ERROR_CODES } from './errors.js';
import type { StoredContact } from './types.js';

/** Sakari's notion of a valid mobile: E.164, a `+`, no leading zero, 7 to 15 digits. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

/** One contact of an upsert request, after the body was parsed (CSV row or JSON `ContactRequest`). */
export interface ContactInput {
  /** The mobile number as submitted (trimmed); refused unless E.164. */
  mobile: string;
  country?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  tags: string[];
  /** Empty values are absent: they never overwrite. */
  attributes: Record<string, string>;
}

/** Fields a PUT sets: present fields replace the stored ones (`''` clears a text field). */
export interface ContactPatch {
  mobile?: string;
  country?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  tags?: string[];
  attributes?: Record<string, string>;
}

/** Why a contact was not written: Sakari's `Error` schema. */
export interface ContactError {
  code: string;
  description: string;
}

/** A refused contact as Sakari echoes it in `errors[]`: the submitted fields plus the error. */
export interface RefusedContact {
  mobile: { number: string; country?: string };
  firstName?: string;
  lastName?: string;
  email?: string;
  tags: Array<{ tag: string }>;
  attributes: Record<string, string>;
  error: ContactError;
}

/** The outcome of one contact of an upsert. */
export type UpsertOutcome =
  | { written: true; created: boolean; contact: StoredContact }
  | { written: false; input: ContactInput; error: ContactError };

/** The outcome of a PUT. */
export type UpdateOutcome =
  | { kind: 'updated'; contact: StoredContact }
  | { kind: 'not-found' }
  | { kind: 'refused'; status: number; error: ContactError };

/** A page of contacts. */
export interface ContactPage {
  contacts: StoredContact[];
  totalCount: number;
}

const REFUSALS = {
  invalidMobile: { code: SANDBOX_ERROR_CODES.invalidMobile, description: 'Invalid mobile number' },
  duplicateInBatch: {
    code: SANDBOX_ERROR_CODES.duplicateInBatch,
    description: 'Duplicate mobile number in batch',
  },
  blocked: {
    code: SANDBOX_ERROR_CODES.blocked,
    description: 'Contact has requested no further communication',
  },
  mobileTaken: {
    code: SANDBOX_ERROR_CODES.mobileTaken,
    description: 'Mobile number already belongs to another contact',
  },
} as const satisfies Record<string, ContactError>;

interface Account {
  /** id → contact; insertion order is creation order (ids never change, mobiles may). */
  byId: Map<string, StoredContact>;
  /** E.164 → id. */
  idByMobile: Map<string, string>;
  /**
   * `byId`'s values as an array, built by the first listing after a create or delete, so paging
   * through a big account costs one page per request rather than the whole account.
   */
  ordered?: StoredContact[];
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

function uniqueTags(tags: readonly string[]): string[] {
  return [...new Set(tags.filter(nonEmpty))];
}

function tagObjects(tags: readonly string[]): Array<{ tag: string }> {
  return tags.map((tag) => ({ tag }));
}

function nonEmptyEntries(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== ''));
}

/**
 * The `updated.at` of a write at `nowMs` to a contact created at `createdAt`: never equal to
 * `created.at`, because clients tell created from updated by comparing the two.
 */
function updatedAt(createdAt: string, nowMs: number): string {
  return new Date(Math.max(nowMs, Date.parse(createdAt) + 1)).toISOString();
}

/** Builds the `errors[]` entry of a refused contact. */
export function refusedContact(input: ContactInput, error: ContactError): RefusedContact {
  return {
    mobile: nonEmpty(input.country)
      ? { number: input.mobile, country: input.country }
      : { number: input.mobile },
    ...(nonEmpty(input.firstName) ? { firstName: input.firstName } : {}),
    ...(nonEmpty(input.lastName) ? { lastName: input.lastName } : {}),
    ...(nonEmpty(input.email) ? { email: input.email } : {}),
    tags: tagObjects(uniqueTags(input.tags)),
    attributes: nonEmptyEntries(input.attributes),
    error: { ...error },
  };
}

/**
 * Applies an incoming contact to an existing one under a merge strategy (mutates `existing`).
 *
 * - `append` (the default): non-empty incoming fields overwrite, tags are unioned (existing first),
 *   attributes merged (non-empty incoming values overwrite, the others are kept).
 * - `core`: only `firstName`, `lastName`, `email` and `mobile.country` are updated (when non-empty);
 *   tags and attributes are left untouched.
 * - `remove`: the incoming tags are removed from the contact; the other non-empty fields overwrite and
 *   attributes are merged as with `append`.
 *
 * A contact that does not exist yet is created from every incoming field under any strategy, except
 * that `remove` creates it without tags: there is nothing to remove them from.
 */
export function mergeContact(existing: StoredContact, input: ContactInput, strategy: MergeStrategy): void {
  if (nonEmpty(input.country)) existing.mobile.country = input.country;
  if (nonEmpty(input.firstName)) existing.firstName = input.firstName;
  if (nonEmpty(input.lastName)) existing.lastName = input.lastName;
  if (nonEmpty(input.email)) existing.email = input.email;
  if (strategy === 'core') return;
  Object.assign(existing.attributes, nonEmptyEntries(input.attributes));
  const current = existing.tags.map(({ tag }) => tag);
  const incoming = uniqueTags(input.tags);
  const tags =
    strategy === 'append'
      ? uniqueTags([...current, ...incoming])
      : current.filter((tag) => !incoming.includes(tag));
  existing.tags = tagObjects(tags);
}

function newContact(input: ContactInput, strategy: MergeStrategy, nowMs: number): StoredContact {
  const at = new Date(nowMs).toISOString();
  const contact: StoredContact = {
    id: randomUUID(),
    mobile: nonEmpty(input.country)
      ? { number: input.mobile, country: input.country }
      : { number: input.mobile },
    tags: strategy === 'remove' ? [] : tagObjects(uniqueTags(input.tags)),
    attributes: nonEmptyEntries(input.attributes),
    created: { at },
    updated: { at },
  };
  if (nonEmpty(input.firstName)) contact.firstName = input.firstName;
  if (nonEmpty(input.lastName)) contact.lastName = input.lastName;
  if (nonEmpty(input.email)) contact.email = input.email;
  return contact;
}

/** The contacts of every account, keyed by E.164 within an account. */
export class ContactStore {
  readonly #accounts = new Map<string, Account>();

  #account(accountId: string): Account {
    let account = this.#accounts.get(accountId);
    if (account === undefined) {
      account = { byId: new Map(), idByMobile: new Map() };
      this.#accounts.set(accountId, account);
    }
    return account;
  }

  /**
   * Upserts a batch in order. A contact is refused (not written) when its mobile is not E.164
   * (`CONT-001`), already appeared earlier in the batch (`CONT-002`) or is blocked (`CONT-010`).
   */
  upsertBatch(
    accountId: string,
    inputs: readonly ContactInput[],
    strategy: MergeStrategy,
    blocked: ReadonlySet<string>,
    nowMs: number,
  ): UpsertOutcome[] {
    const seen = new Set<string>();
    return inputs.map((input) => {
      if (E164_PATTERN.test(input.mobile)) {
        if (seen.has(input.mobile)) return { written: false, input, error: REFUSALS.duplicateInBatch };
        seen.add(input.mobile);
      }
      return this.upsertOne(accountId, input, strategy, blocked, nowMs);
    });
  }

  /** Upserts one contact; refused with `CONT-001` (not E.164) or `CONT-010` (blocked). */
  upsertOne(
    accountId: string,
    input: ContactInput,
    strategy: MergeStrategy,
    blocked: ReadonlySet<string>,
    nowMs: number,
  ): UpsertOutcome {
    if (!E164_PATTERN.test(input.mobile)) return { written: false, input, error: REFUSALS.invalidMobile };
    if (blocked.has(input.mobile)) return { written: false, input, error: REFUSALS.blocked };
    const account = this.#account(accountId);
    const existingId = account.idByMobile.get(input.mobile);
    const existing = existingId === undefined ? undefined : account.byId.get(existingId);
    if (existing === undefined) {
      const contact = newContact(input, strategy, nowMs);
      account.byId.set(contact.id, contact);
      account.idByMobile.set(contact.mobile.number, contact.id);
      account.ordered = undefined;
      return { written: true, created: true, contact: structuredClone(contact) };
    }
    mergeContact(existing, input, strategy);
    existing.updated = { at: updatedAt(existing.created.at, nowMs) };
    return { written: true, created: false, contact: structuredClone(existing) };
  }

  /** Contacts in creation order, optionally those whose number contains `mobileFilter`. */
  list(accountId: string, offset: number, limit: number, mobileFilter?: string): ContactPage {
    const account = this.#accounts.get(accountId);
    let all: StoredContact[] = [];
    if (account !== undefined) all = account.ordered ??= [...account.byId.values()];
    const filtered =
      mobileFilter === undefined
        ? all
        : all.filter((contact) => contact.mobile.number.includes(mobileFilter));
    return {
      contacts: filtered.slice(offset, offset + limit).map((contact) => structuredClone(contact)),
      totalCount: filtered.length,
    };
  }

  /** Deep copy of an account's contacts, in creation order. */
  all(accountId: string): StoredContact[] {
    return [...(this.#accounts.get(accountId)?.byId.values() ?? [])].map((contact) =>
      structuredClone(contact),
    );
  }

  /** One contact by id, or `undefined`. */
  get(accountId: string, contactId: string): StoredContact | undefined {
    const contact = this.#find(accountId, contactId);
    return contact === undefined ? undefined : structuredClone(contact);
  }

  /** Applies a PUT: present fields replace the stored ones; a new mobile must be E.164 and free. */
  update(accountId: string, contactId: string, patch: ContactPatch, nowMs: number): UpdateOutcome {
    const account = this.#accounts.get(accountId);
    const contact = this.#find(accountId, contactId);
    if (account === undefined || contact === undefined) return { kind: 'not-found' };
    const newMobile = patch.mobile;
    if (newMobile !== undefined && newMobile !== contact.mobile.number) {
      if (!E164_PATTERN.test(newMobile))
        return { kind: 'refused', status: 400, error: REFUSALS.invalidMobile };
      if (account.idByMobile.has(newMobile))
        return { kind: 'refused', status: 409, error: REFUSALS.mobileTaken };
      account.idByMobile.delete(contact.mobile.number);
      account.idByMobile.set(newMobile, contact.id);
      contact.mobile.number = newMobile;
    }
    const setText = (field: 'firstName' | 'lastName' | 'email', value: string | undefined): void => {
      if (value === undefined) return;
      if (value === '') delete contact[field];
      else contact[field] = value;
    };
    if (patch.country !== undefined) {
      if (patch.country === '') delete contact.mobile.country;
      else contact.mobile.country = patch.country;
    }
    setText('firstName', patch.firstName);
    setText('lastName', patch.lastName);
    setText('email', patch.email);
    if (patch.tags !== undefined) contact.tags = tagObjects(uniqueTags(patch.tags));
    if (patch.attributes !== undefined) contact.attributes = nonEmptyEntries(patch.attributes);
    contact.updated = { at: updatedAt(contact.created.at, nowMs) };
    return { kind: 'updated', contact: structuredClone(contact) };
  }

  /** Deletes a contact; returns it, or `undefined` when there was none. */
  remove(accountId: string, contactId: string): StoredContact | undefined {
    const account = this.#accounts.get(accountId);
    const contact = this.#find(accountId, contactId);
    if (account === undefined || contact === undefined) return undefined;
    account.byId.delete(contact.id);
    account.idByMobile.delete(contact.mobile.number);
    account.ordered = undefined;
    return contact;
  }

  /** Deep copy of every account's contacts, in creation order (what the data file holds). */
  dump(): Record<string, StoredContact[]> {
    const accounts: Record<string, StoredContact[]> = {};
    for (const [accountId, account] of this.#accounts) {
      if (account.byId.size > 0) {
        accounts[accountId] = [...account.byId.values()].map((contact) => structuredClone(contact));
      }
    }
    return accounts;
  }

  /**
   * Replaces every contact with `accounts` (e.g. read from the data file). Throws, changing nothing,
   * when an account holds the same id or mobile twice.
   */
  load(accounts: Record<string, StoredContact[]>): void {
    const loaded = new Map<string, Account>();
    for (const [accountId, contacts] of Object.entries(accounts)) {
      const account: Account = { byId: new Map(), idByMobile: new Map() };
      for (const contact of contacts) {
        if (account.byId.has(contact.id) || account.idByMobile.has(contact.mobile.number)) {
          throw new Error(
            `account ${accountId} holds contact ${contact.id} (${contact.mobile.number}) twice`,
          );
        }
        account.byId.set(contact.id, structuredClone(contact));
        account.idByMobile.set(contact.mobile.number, contact.id);
      }
      loaded.set(accountId, account);
    }
    this.#accounts.clear();
    for (const [accountId, account] of loaded) this.#accounts.set(accountId, account);
  }

  /** Forgets every contact. */
  clear(): void {
    this.#accounts.clear();
  }

  #find(accountId: string, contactId: string): StoredContact | undefined {
    return this.#accounts.get(accountId)?.byId.get(contactId);
  }
}
