import { testNamespace } from '@support-center/testing';
import mongoose, { type Connection } from 'mongoose';
import {
  Leases,
  OUTBOX_LEASES_COLLECTION,
  type LeaseCollection,
  type OutboxLease,
} from '../src/outbox/lease';

const ns = testNamespace('outbox leases');

describe('outbox leases, a batch at a time', () => {
  let connection: Connection;
  const collection = () =>
    connection.collection<OutboxLease>(OUTBOX_LEASES_COLLECTION) as unknown as LeaseCollection;
  const leasesOf = (owner: string) => new Leases(collection(), owner, 30_000);
  const stored = async () =>
    Object.fromEntries(
      (await collection().find({}).toArray()).map((l) => [
        l._id,
        { owner: l.owner, wanted: l.wanted === true },
      ]),
    );

  beforeAll(async () => {
    connection = await mongoose.createConnection(ns.mongoUrl()).asPromise();
  });
  beforeEach(async () => {
    await collection().deleteMany({});
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('claims the free, the expired and its own leases in one go, and marks a live foreign one wanted', async () => {
    const now = Date.now();
    await collection().insertMany([
      { _id: 't:held', owner: 'other', until: new Date(now + 60_000) },
      { _id: 't:expired', owner: 'other', until: new Date(now - 1_000) },
      { _id: 't:own', owner: 'me', until: new Date(now + 60_000) },
    ]);

    const held = await leasesOf('me').claimAll(['t:a', 't:held', 't:expired', 't:own', 't:b']);

    expect([...held].sort()).toEqual(['t:a', 't:b', 't:expired', 't:own']);
    expect(await stored()).toEqual({
      't:a': { owner: 'me', wanted: false },
      't:b': { owner: 'me', wanted: false },
      't:expired': { owner: 'me', wanted: false },
      't:own': { owner: 'me', wanted: false },
      't:held': { owner: 'other', wanted: true },
    });
  });

  it('releases its leases in one go and names those another relay asked for meanwhile', async () => {
    const me = leasesOf('me');
    await me.claimAll(['t:a', 't:b', 't:c']);
    // Another relay wants t:b while it is held.
    expect(await leasesOf('other').claim('t:b')).toBe(false);

    const wanted = await me.releaseAll(['t:a', 't:b', 't:c']);

    expect([...wanted]).toEqual(['t:b']);
    expect(await stored()).toEqual({});
  });

  it('leaves a lease another relay took over after it expired', async () => {
    const me = leasesOf('me');
    await me.claimAll(['t:a', 't:stalled']);
    await collection().updateOne({ _id: 't:stalled' }, { $set: { until: new Date(Date.now() - 1) } });
    expect(await leasesOf('other').claim('t:stalled')).toBe(true);

    const wanted = await me.releaseAll(['t:a', 't:stalled']);

    expect(wanted.size).toBe(0);
    expect(await stored()).toEqual({ 't:stalled': { owner: 'other', wanted: false } });
  });

  it('claims each lease once when two relays claim the same batch at the same time', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `t:race-${i}`);
    const [a, b] = await Promise.all([leasesOf('a').claimAll(keys), leasesOf('b').claimAll(keys)]);

    expect(a.size + b.size).toBe(keys.length);
    expect([...a].filter((key) => b.has(key))).toEqual([]);
    const owners = await stored();
    for (const key of a) expect(owners[key]?.owner).toBe('a');
    for (const key of b) expect(owners[key]?.owner).toBe('b');
  });
});
