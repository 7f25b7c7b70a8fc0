import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { REMOTE_INSERT_CHUNK, RemoteIndex, remoteE164 } from '../../src/reconcile/remote-index.js';
import type { RemoteContact } from '../../src/sakari/types.js';
import { tempDir } from '../helpers.js';

function contact(index: number, fields: Partial<RemoteContact> = {}): RemoteContact {
  return {
    id: `id-${index}`,
    mobile: { number: `+4474001${String(index).padStart(5, '0')}`, country: 'GB' },
    tags: [],
    attributes: {},
    ...fields,
  };
}

async function* listed(contacts: RemoteContact[]): AsyncGenerator<RemoteContact> {
  for (const c of contacts) yield c;
}

describe('RemoteIndex', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await cleanup();
  });

  test('stores every listed contact, finds them by E.164 and marks them seen; the rest come back as unseen, in listing order', async () => {
    const index = await RemoteIndex.create(dir);
    const count = REMOTE_INSERT_CHUNK * 2 + 17;
    const commits: number[] = [];
    await index.load(
      listed(
        Array.from({ length: count }, (_, i) =>
          contact(
            i,
            i === 3 ? { firstName: 'Ann', email: 'a@b.co', tags: ['vip'], attributes: { plan: 'gold' } } : {},
          ),
        ),
      ),
      { onChunk: (n) => commits.push(n) },
    );
    expect(index.size).toBe(count);
    expect(index.listed).toBe(count);
    expect(commits).toEqual([REMOTE_INSERT_CHUNK, REMOTE_INSERT_CHUNK * 2, count]);

    const found = index.lookup(['+447400100003', '+447400100005', '+449999999999']);
    expect([...found.keys()]).toEqual(['+447400100003', '+447400100005']);
    expect(found.get('+447400100003')).toMatchObject({
      id: 'id-3',
      e164: '+447400100003',
      firstName: 'Ann',
      email: 'a@b.co',
      country: 'GB',
      tags: ['vip'],
      attributes: { plan: 'gold' },
    });
    expect(found.get('+447400100005')).not.toHaveProperty('firstName');

    const unseen = [...index.unseen(500)].flat();
    expect(unseen).toHaveLength(count - 2);
    expect(unseen.map((r) => r.id).slice(0, 4)).toEqual(['id-0', 'id-1', 'id-2', 'id-4']);
    expect(unseen.map((r) => r.seq)).toEqual([...unseen.map((r) => r.seq)].sort((a, b) => a - b));
    await index.close();
  });

  test('a number listed twice keeps its first listing and is counted once', async () => {
    const index = await RemoteIndex.create(dir);
    await index.load(
      listed([
        contact(1, { firstName: 'First' }),
        contact(2),
        contact(1, { id: 'other', firstName: 'Second' }),
      ]),
    );
    expect(index.listed).toBe(3);
    expect(index.size).toBe(2);
    expect(index.lookup(['+447400100001']).get('+447400100001')).toMatchObject({
      id: 'id-1',
      firstName: 'First',
    });
    await index.close();
  });

  test('lookupUnseen finds each number once, and never one a lookup already found', async () => {
    const index = await RemoteIndex.create(dir);
    await index.load(listed([contact(1), contact(2), contact(3), contact(4)]));
    index.lookup(['+447400100001']);
    const first = index.lookupUnseen(['+447400100001', '+447400100002', '+447400100002', '+449999999999']);
    expect([...first.keys()]).toEqual(['+447400100002']);
    expect(first.get('+447400100002')).toMatchObject({ id: 'id-2', e164: '+447400100002' });
    expect([...index.lookupUnseen(['+447400100002', '+447400100003']).keys()]).toEqual(['+447400100003']);
    // lookup still finds what lookupUnseen marked; only the untouched contact is left unseen.
    expect([...index.lookup(['+447400100003']).keys()]).toEqual(['+447400100003']);
    expect([...index.unseen()].flat().map((r) => r.id)).toEqual(['id-4']);
    await index.close();
  });

  test('close deletes the temporary database, even twice', async () => {
    const index = await RemoteIndex.create(dir);
    await index.load(listed([contact(1)]));
    expect(await readdir(dir)).toHaveLength(1);
    await index.close();
    await index.close();
    expect(await readdir(dir)).toEqual([]);
  });

  test('an aborted listing stops with the signal', async () => {
    const index = await RemoteIndex.create(dir);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(index.load(listed([contact(1)]), { signal: controller.signal })).rejects.toThrow('stop');
    await index.close();
  });

  test.each([
    ['+447400100001', '+447400100001'],
    ['447400100001', '+447400100001'],
    ['+44 7400 100001', '+447400100001'],
    ['+1 (212) 555-0100', '+12125550100'],
    ['not a number', 'notanumber'],
  ])('remoteE164(%j) = %j', (input, expected) => {
    expect(remoteE164(input)).toBe(expected);
  });
});
