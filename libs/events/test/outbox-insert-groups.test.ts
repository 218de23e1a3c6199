import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { isDuplicateKeyError } from '@support-center/store';
import { keepTraceContext, testNamespace } from '@support-center/testing';
import mongoose, { type Connection } from 'mongoose';
import { decodeEntry } from '../src/outbox/entry';
import { insertGroups } from '../src/outbox/insert-groups';
import { outboxWriter } from '../src';
import { commentEvent } from './outbox-support';

const ns = testNamespace('outbox insert groups');

describe('grouped outbox inserts', () => {
  let connection: Connection;
  const inserts: { documents: number }[] = [];

  beforeAll(async () => {
    connection = await mongoose.createConnection(ns.mongoUrl(), { monitorCommands: true }).asPromise();
    connection.getClient().on('commandStarted', (event) => {
      if (event.commandName === 'insert')
        inserts.push({ documents: (event.command.documents as unknown[]).length });
    });
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  beforeEach(() => {
    inserts.length = 0;
  });

  const collection = (name: string) => connection.collection(name);

  it('writes a lone insert at once with one document, as insertOne', async () => {
    const insert = insertGroups(collection('lone'));
    const result = await insert({ _id: 'a' as never, n: 1 });
    expect(result).toEqual({ acknowledged: true, insertedId: 'a' });
    expect(inserts).toEqual([{ documents: 1 }]);
  });

  it('stores every document of a burst with fewer commands than documents', async () => {
    const insert = insertGroups(collection('burst'));
    const results = await Promise.all(Array.from({ length: 60 }, (_, n) => insert({ n })));
    const ids = results.map((r) => String(r.insertedId));
    expect(new Set(ids).size).toBe(60);
    const stored = await collection('burst').find({}).toArray();
    expect(stored.map((d) => String(d._id)).sort()).toEqual([...ids].sort());
    expect(inserts.reduce((sum, i) => sum + i.documents, 0)).toBe(60);
    // The first goes alone, the 59 that waited behind it together.
    expect(inserts).toEqual([{ documents: 1 }, { documents: 59 }]);
  });

  it('keeps groups to 100 documents', async () => {
    const insert = insertGroups(collection('large'));
    await Promise.all(Array.from({ length: 251 }, (_, n) => insert({ n })));
    expect(inserts.map((i) => i.documents)).toEqual([1, 100, 100, 50]);
    expect(await collection('large').countDocuments()).toBe(251);
  });

  it('gives the duplicate-key error only to the callers whose documents were refused', async () => {
    await collection('dupes').insertOne({ _id: 'taken' as never });
    const insert = insertGroups(collection('dupes'));
    const ids = ['first', 'taken', 'b', 'c', 'twice', 'twice', 'd'];
    const outcomes = await Promise.allSettled(ids.map((id) => insert({ _id: id as never })));
    const refused = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
    // 'taken' exists; of the two 'twice', the first in the group wins.
    expect(refused).toEqual([1, 5]);
    for (const i of refused)
      expect(isDuplicateKeyError((outcomes[i] as PromiseRejectedResult).reason)).toBe(true);
    const stored = await collection('dupes').find({}).toArray();
    expect(stored.map((d) => String(d._id)).sort()).toEqual(['b', 'c', 'd', 'first', 'taken', 'twice']);
  });

  it('gives a document too large for a group what its own insert gives, and stores the rest', async () => {
    const tooLarge = () => ({ body: 'x'.repeat(16 * 1024 * 1024) });
    // The driver refuses it in a group before sending; alone, the engine decides (FerretDB takes it).
    const alone = await collection('alone')
      .insertOne(tooLarge())
      .then(
        () => 'fulfilled',
        () => 'rejected',
      );
    const insert = insertGroups(collection('oversized'));
    const first = insert({ n: 0 });
    const group = [insert({ n: 1 }), insert(tooLarge()), insert({ n: 2 })];
    await first;
    const outcomes = await Promise.allSettled(group);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', alone, 'fulfilled']);
    expect(await collection('oversized').countDocuments({ n: { $exists: true } })).toBe(3);
  });

  it('wakes the relay for each document and keeps each caller’s trace context in its events', async () => {
    const restore = keepTraceContext();
    try {
      const woken: unknown[] = [];
      const outbox = outboxWriter({ wake: (_name, id) => woken.push(id) }, ['traced']);
      const traceIds = Array.from({ length: 8 }, (_, n) => `${(n + 1).toString(16).padStart(32, '0')}`);
      await Promise.all(
        traceIds.map((traceId, n) =>
          context.with(
            trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '00000000000000a1', traceFlags: 1 }),
            () =>
              outbox.insertOne(collection('traced'), { _id: `t${n}` as never }, [commentEvent(`t${n}`, n)]),
          ),
        ),
      );
      expect([...woken].sort()).toEqual(traceIds.map((_, n) => `t${n}`).sort());
      expect(inserts.length).toBeLessThan(traceIds.length);
      for (const [n, traceId] of traceIds.entries()) {
        const doc = await collection('traced').findOne({ _id: `t${n}` as never });
        const entry = decodeEntry((doc?._outbox as string[])[0] as string);
        expect(entry.headers.traceparent).toBe(`00-${traceId}-00000000000000a1-01`);
      }
    } finally {
      restore();
    }
  });
});
