import type { ContactPayload, MergeStrategy } from '../types.js';

/** Per-contact outcome of a batch upsert, keyed by E.164 in {@link BatchResult}. */
export interface ContactOutcome {
  status: 'created' | 'updated' | 'blocked' | 'failed';
  contactId?: string;
  /** The API's code for a refused row (e.g. `CONT-010`, `CONT-001`). */
  code?: string;
  message?: string;
}

export interface BatchResult {
  /** One entry per submitted contact, keyed by its E.164 mobile. */
  outcomes: Map<string, ContactOutcome>;
  submitted: number;
  inserted: number;
  updated: number;
}

/** A contact as Sakari returns it (unknown fields ignored). */
export interface RemoteContact {
  id: string;
  mobile: { number: string; country?: string };
  firstName?: string;
  lastName?: string;
  email?: string;
  tags: string[];
  attributes: Record<string, string>;
  createdAt?: string;
  updatedAt?: string;
}

/** What the pipeline needs from Sakari. `SakariClient` implements it; tests may not replace it with a mock. */
export interface ContactSink {
  upsertBatch(contacts: readonly ContactPayload[], mergeStrategy: MergeStrategy): Promise<BatchResult>;
}
