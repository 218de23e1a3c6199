import fs from 'node:fs';
import mongoose from 'mongoose';
import { startEngine, type EngineProcess } from '../src';
import { makeTempDir } from './support';

jest.setTimeout(240_000);

const { Binary, ObjectId } = mongoose.mongo;
type Id = string | InstanceType<typeof ObjectId>;
type Doc = { _id: Id; [field: string]: unknown };
type Filter = mongoose.mongo.Filter<Doc>;
type Docs = mongoose.mongo.Collection<Doc>;

/**
 * Our FerretDB build sends SQL a prefilter for some filters (ferretdb-launcher/patches): `_id`
 * equal to or `$in` strings and ObjectIds, and on top-level fields `$type: "string"`, `$in` of
 * strings and `$lt`/`$lte` a date. FerretDB filters the rows again, so a prefilter may let through
 * too much but must never hold back a match. The oracle: the same filter under a top-level `$and`,
 * which nothing pushes down, so FerretDB's own matcher decides alone.
 */
const opaque = (filter: Filter): Filter => ({ $and: [filter] });

/** A small seeded generator (mulberry32): a failing case is reproducible from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOW = Date.parse('2026-06-01T00:00:00Z');
const STRINGS = ['open', 'new', 'solved', '', 'Open', 'ünï', '5f0000000000000000000001'];
const DATES = [-86_400_000, -1, 0, 1, 86_400_000].map((offset) => new Date(NOW + offset));

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)]!;
}

/** Any value a field may hold, of every type the prefilter must tell apart (FerretDB stores no nested arrays). */
function value(next: () => number, inArray = false): unknown {
  const kinds = [
    () => pick(next, STRINGS),
    () => new ObjectId('5f0000000000000000000001'),
    () => pick(next, DATES),
    () => pick(next, [0, 1, NOW, NOW + 1, -5, 2.5]),
    () => next() < 0.5,
    () => null,
    () => new Binary(Buffer.from('open')),
    () => ({ x: pick(next, STRINGS) }),
    () => (inArray ? null : Array.from({ length: Math.floor(next() * 4) }, () => element(next))),
  ];
  return pick(next, kinds)();
}

/** Mostly what the filters look for, so arrays often hold (or just miss) a match. */
function element(next: () => number): unknown {
  const roll = next();
  return roll < 0.4 ? pick(next, STRINGS) : roll < 0.7 ? pick(next, DATES) : value(next, true);
}

function documents(seed: number, count: number): Doc[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => {
    const doc: Doc = { _id: i % 7 === 0 ? new ObjectId() : `doc-${i}` };
    for (const field of ['f', 'g', '_outbox']) if (next() < 0.85) doc[field] = value(next);
    return doc;
  });
}

/** Filters of each form the prefilter serves, and near misses it must leave alone. */
function filters(seed: number, ids: Id[]): Filter[] {
  const next = random(seed);
  const strings = () => STRINGS.filter(() => next() < 0.4);
  const date = () => pick(next, DATES);
  const field = () => pick(next, ['f', 'g', '_outbox']);
  const forms: (() => Filter)[] = [
    () => ({ [field()]: { $type: 'string' } }),
    () => ({ [field()]: { $type: 2 } }),
    () => ({ [field()]: { $in: strings() } }),
    () => ({ [field()]: { $lt: date() } }),
    () => ({ [field()]: { $lte: date() } }),
    () => ({ _id: { $in: ids.filter(() => next() < 0.05).concat(['no-such-id']) } }),
    () => ({ _id: pick(next, ids) }),
    // Left alone: other operands, several operators, dotted paths.
    () => ({ [field()]: { $in: ['open', null] } }),
    () => ({ [field()]: { $lt: NOW } }),
    () => ({ [field()]: { $lte: date(), $gt: new Date(0) } }),
    () => ({ [`${field()}.0`]: { $type: 'string' } }),
    () => ({ [field()]: pick(next, STRINGS) }),
  ];
  return Array.from({ length: 120 }, () => {
    const filter: Filter = {};
    const parts = 1 + Math.floor(next() * 3);
    for (let i = 0; i < parts; i++) Object.assign(filter, pick(next, forms)());
    return filter;
  });
}

const idsOf = (docs: { _id?: unknown }[]): string[] => docs.map((d) => String(d._id)).sort();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median ms of reading what `filter` matches. */
async function findCost(collection: Docs, filter: Filter, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await collection.find(filter).toArray();
    times.push(performance.now() - started);
  }
  return median(times);
}

describe('ferretdb launcher: filters prefiltered in SQL', () => {
  let dataDir = '';
  let engine: EngineProcess | undefined;
  let connection: mongoose.Connection | undefined;
  let db: mongoose.mongo.Db;

  beforeAll(async () => {
    dataDir = makeTempDir('ferretdb-prefilter');
    engine = await startEngine('mongo', { dataDir });
    connection = await mongoose.createConnection(`${engine.url}/prefilter`).asPromise();
    db = connection.db!;
  });

  afterAll(async () => {
    await connection?.close();
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([1, 2, 3])('finds, counts and updates what FerretDB’s own matcher does (seed %i)', async (seed) => {
    const collection = db.collection<Doc>(`fuzz-${seed}`);
    const docs = documents(seed, 300);
    await collection.insertMany(docs);
    for (const filter of filters(
      seed,
      docs.map((d) => d._id),
    )) {
      const expected = idsOf(await collection.find(opaque(filter)).toArray());
      const context = JSON.stringify(filter);
      expect({ context, ids: idsOf(await collection.find(filter).toArray()) }).toEqual({
        context,
        ids: expected,
      });
      expect({ context, n: await collection.countDocuments(filter) }).toEqual({
        context,
        n: expected.length,
      });
      const matched = await collection.aggregate([{ $match: filter }, { $project: { _id: 1 } }]).toArray();
      expect({ context, ids: idsOf(matched) }).toEqual({ context, ids: expected });
      const updated = await collection.updateMany(filter, { $set: { touched: true } });
      expect({ context, n: updated.matchedCount }).toEqual({ context, n: expected.length });
    }
  });

  it('serves the outbox scan and {_id: {$in}} without decoding every document', async () => {
    const collection = db.collection<Doc>('big');
    const pad = 'x'.repeat(1_000);
    for (let start = 0; start < 5_000; start += 1_000) {
      await collection.insertMany(
        Array.from({ length: 1_000 }, (_, i) => ({
          _id: `doc-${start + i}`,
          // Published outboxes stay as empty arrays; one document in 500 has events waiting.
          _outbox: (start + i) % 500 === 0 ? ['event'] : [],
          dueAt: new Date(NOW + ((start + i) % 1_000 === 0 ? -1 : 86_400_000)),
          pad,
        })),
      );
    }
    const pending: Filter = { _outbox: { $type: 'string' } };
    const due: Filter = { dueAt: { $lte: new Date(NOW) } };
    const some: Filter = { _id: { $in: ['doc-1', 'doc-2500', 'doc-4999'] } };
    expect(await collection.countDocuments(pending)).toBe(10);
    expect(await collection.countDocuments(due)).toBe(5);
    expect(await collection.countDocuments(some)).toBe(3);
    // Without the prefilter each costs what the opaque form does (the whole collection decoded).
    for (const filter of [pending, due, some]) {
      const [fast, slow] = [
        await findCost(collection, filter, 5),
        await findCost(collection, opaque(filter), 5),
      ];
      expect({ filter, faster: fast < slow / 2 }).toEqual({ filter, faster: true });
    }
  });
});
