import { describe, expect, test } from 'vitest';

import { redactSecrets } from '../../src/report/index.js';

describe('redactSecrets', () => {
  test.each([
    ['Authorization: Bearer eyJhbGciOi.abc.def', 'Authorization: Bearer [redacted]'],
    ['client_secret=s3cr3t&client_id=x', 'client_secret=[redacted]&client_id=x'],
    [
      '{"access_token":"tok123","token_type":"bearer"}',
      '{"access_token":"[redacted]","token_type":"bearer"}',
    ],
    ['POST /v1/accounts/a1/contacts answered 500', 'POST /v1/accounts/a1/contacts answered 500'],
  ])('%j', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });
});
