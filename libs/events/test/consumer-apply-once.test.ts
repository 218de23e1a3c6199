import { testNamespace } from '@support-center/testing';
import mongoose, { type Connection } from 'mongoose';
import { applyOnce, ConsumerConfigError, insertOnce } from '../src';

interface Doc {
  _id: string;
  n?: number;
  log?: string[];
  email?: string;
}

describe('applyOnce and insertOnce', () => {
  const ns = testNamespace('consumer apply once');
  let db: Connection;
  let collections = 0;
  const collection = () => db.collection<Doc>(`c${++collections}`);

  beforeAll(async () => {
    db = await mongoose.createConnection(ns.mongoUrl()).asPromise();
  });
  afterAll(() => db.close());

  it('applies an update once per event id, creating the document on first use', async () => {
    const c = collection();
    const inc = (eventId: string) =>
      applyOnce(c, { _id: 'u1' }, { $inc: { n: 1 }, $push: { log: eventId } }, eventId);
    expect(await inc('e1')).toBe('applied');
    expect(await inc('e1')).toBe('duplicate');
    expect(await inc('e2')).toBe('applied');
    expect(await inc('e2')).toBe('duplicate');
    expect(await c.findOne({ _id: 'u1' })).toEqual({
      _id: 'u1',
      n: 2,
      log: ['e1', 'e2'],
      _events: ['e1', 'e2'],
    });
  });

  it('without upsert, tells a redelivery from a document that is not there', async () => {
    const c = collection();
    await c.insertOne({ _id: 'u1', n: 0 });
    const inc = (id: string, eventId: string) =>
      applyOnce(c, { _id: id }, { $inc: { n: 1 } }, eventId, { upsert: false });
    expect(await inc('u1', 'e1')).toBe('applied');
    expect(await inc('u1', 'e1')).toBe('duplicate');
    expect(await inc('u2', 'e1')).toBe('missing');
    expect(await c.countDocuments()).toBe(1);
  });

  it('keeps a real unique-index violation as an error, on insert and on update', async () => {
    const c = collection();
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertMany([
      { _id: 'u1', email: 'a@x' },
      { _id: 'u2', email: 'b@x' },
    ]);
    // MongoDB answers 11000 to both; FerretDB answers 11000 to the upsert and 1 to the update.
    await expect(applyOnce(c, { _id: 'u3' }, { $set: { email: 'a@x' } }, 'e1')).rejects.toMatchObject({
      code: 11000,
    });
    await expect(applyOnce(c, { _id: 'u2' }, { $set: { email: 'a@x' } }, 'e2')).rejects.toHaveProperty(
      'code',
    );
    expect(await c.findOne({ _id: 'u2' })).toEqual({ _id: 'u2', email: 'b@x' });
  });

  it('refuses an upsert whose filter does not name the _id, since a replay would insert a second document', async () => {
    const c = collection();
    await expect(applyOnce(c, { email: 'a@x' }, { $set: { n: 1 } }, 'e1')).rejects.toThrow(
      ConsumerConfigError,
    );
    expect(await applyOnce(c, { email: 'a@x' }, { $set: { n: 1 } }, 'e1', { upsert: false })).toBe('missing');
  });

  it('inserts once per event id (and key), keeping other duplicate keys as errors', async () => {
    const c = collection();
    await c.createIndex({ email: 1 }, { unique: true });
    expect(await insertOnce(c, 'e1', { email: 'a@x' })).toBe('applied');
    expect(await insertOnce(c, 'e1', { email: 'a@x' })).toBe('duplicate');
    expect(await insertOnce(c, 'e2', { email: 'b@x' }, 'first')).toBe('applied');
    expect(await insertOnce(c, 'e2', { email: 'c@x' }, 'second')).toBe('applied');
    expect(await insertOnce(c, 'e2', { email: 'b@x' }, 'first')).toBe('duplicate');
    await expect(insertOnce(c, 'e3', { email: 'a@x' })).rejects.toMatchObject({ code: 11000 });
    expect((await c.find().sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([
      'e1',
      'e2:first',
      'e2:second',
    ]);
  });
});
