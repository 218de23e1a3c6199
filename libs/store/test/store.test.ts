import mongoose, { type Connection } from 'mongoose';
import { testNamespace, waitFor } from '@support-center/testing';
import { isDuplicateKeyError, notExpired, startExpirySweeper } from '../src';

const sessionSchema = new mongoose.Schema<{ token: string; expiresAt: Date }>({
  token: { type: String, unique: true },
  expiresAt: { type: Date, required: true },
});

const sessionModel = (connection: Connection) => connection.model('Session', sessionSchema);

describe('store conventions against MONGO_URL', () => {
  const ns = testNamespace('store');
  let connection: Connection;
  let Sessions: ReturnType<typeof sessionModel>;

  beforeAll(async () => {
    connection = await mongoose.createConnection(ns.mongoUrl()).asPromise();
    Sessions = sessionModel(connection);
    await Sessions.init();
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('recognises a duplicate key on insert, alone and in a bulk insert', async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    await Sessions.create({ token: 'dup', expiresAt });
    const single = await Sessions.create({ token: 'dup', expiresAt }).catch((error: unknown) => error);
    expect(isDuplicateKeyError(single)).toBe(true);
    const bulk = await Sessions.insertMany(
      [
        { token: 'fresh', expiresAt },
        { token: 'dup', expiresAt },
      ],
      { ordered: false },
    ).catch((error: unknown) => error);
    expect(isDuplicateKeyError(bulk)).toBe(true);
    expect(isDuplicateKeyError(new Error('other'))).toBe(false);
    expect(isDuplicateKeyError({ code: 1 })).toBe(false);
  });

  it('sweeps expired documents periodically, and reads hide them before that', async () => {
    const now = Date.now();
    await Sessions.insertMany([
      { token: 'old-1', expiresAt: new Date(now - 1_000) },
      { token: 'old-2', expiresAt: new Date(now - 10) },
      { token: 'live', expiresAt: new Date(now + 60_000) },
    ]);
    const live = await Sessions.find({ token: /^(old|live)/, ...notExpired(new Date(now)) }).lean();
    expect(live.map((session) => session.token)).toEqual(['live']);

    const swept: number[] = [];
    const sweeper = startExpirySweeper({
      collection: Sessions,
      intervalMs: 20,
      onSweep: (n) => swept.push(n),
    });
    try {
      await waitFor(() => swept.some((n) => n >= 2), { timeoutMs: 10_000, message: 'a sweep deleting two' });
      expect(await Sessions.countDocuments({ token: /^old/ })).toBe(0);
      expect(await Sessions.countDocuments({ token: 'live' })).toBe(1);
      expect(await sweeper.sweepOnce()).toBe(0);
    } finally {
      sweeper.stop();
    }
  });
});
