import mongoose, { type Connection } from 'mongoose';
import { testNamespace } from '@support-center/testing';
import { duplicatePositions, isDuplicateKeyError, notExpired } from '../src';

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
    // Only the repeat was refused: the fresh one is stored.
    expect(duplicatePositions(bulk)).toEqual([1]);
    expect(await Sessions.countDocuments({ token: 'fresh' })).toBe(1);
    expect(duplicatePositions(single)).toBeUndefined();
    expect(
      duplicatePositions({
        writeErrors: [
          { index: 0, code: 11000 },
          { index: 1, code: 2 },
        ],
      }),
    ).toBeUndefined();
    expect(isDuplicateKeyError(new Error('other'))).toBe(false);
    expect(isDuplicateKeyError({ code: 1 })).toBe(false);
  });

  it('hides expired documents from reads before they are deleted', async () => {
    const now = Date.now();
    await Sessions.insertMany([
      { token: 'old-1', expiresAt: new Date(now - 1_000) },
      { token: 'old-2', expiresAt: new Date(now - 10) },
      { token: 'live', expiresAt: new Date(now + 60_000) },
    ]);
    const live = await Sessions.find({ token: /^(old|live)/, ...notExpired(new Date(now)) }).lean();
    expect(live.map((session) => session.token)).toEqual(['live']);
  });
});
