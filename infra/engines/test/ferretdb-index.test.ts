import fs from 'node:fs';
import mongoose from 'mongoose';
import { startEngine, type EngineProcess } from '../src';
import { makeTempDir, waitUntil } from './support';

jest.setTimeout(240_000);

/**
 * FerretDB 1.24's SQLite backend indexes `_id` under an expression its own queries never
 * use, so `{_id}` lookups scan the table; our launcher adds the expression index the
 * queries do use (ferretdb-launcher/idindex.go). And it serves only a filter that is exactly
 * `{_id}` from SQL; our build pushes the `_id` equality down whatever else the filter holds
 * (ferretdb-launcher/patches; ferretdb-prefilter.test.ts covers its other prefilters). Both are
 * internal to the engine, so this asserts on behaviour: an update by `_id` on 5,000 documents
 * costs about what it costs on 10; without them, it costs tens of times more (a full scan),
 * whatever the machine.
 */
const BIG = 5_000;
const SMALL = 10;
const MAX_RATIO = 3;

type Docs = mongoose.mongo.Collection<{ _id: string; n: number; pad: string }>;

/**
 * String ids: FerretDB 1.24 pushes an `{_id}` filter down to SQL only for string and
 * ObjectId values (other types are filtered after a full read, index or not).
 */
const idOf = (i: number): string => `doc-${i}`;

async function fill(collection: Docs, count: number): Promise<void> {
  const pad = 'x'.repeat(200);
  for (let start = 0; start < count; start += 1_000) {
    const batch = Array.from({ length: Math.min(1_000, count - start) }, (_, i) => ({
      _id: idOf(start + i),
      n: 0,
      pad,
    }));
    await collection.insertMany(batch);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

type Filter = (id: string) => mongoose.mongo.Filter<{ _id: string; n: number; pad: string }>;
const byId: Filter = (id) => ({ _id: id });
/** An `_id` with a further condition, as an optimistic-concurrency update has (`{_id, version}`). */
const byIdAndMore: Filter = (id) => ({ _id: id, n: { $gte: 0 } });

/** Median ms of updates by `filter` on each collection, interleaved so load drift hits both. */
async function updateCost(
  big: Docs,
  small: Docs,
  rounds: number,
  filter: Filter,
): Promise<{ big: number; small: number }> {
  const bigTimes: number[] = [];
  const smallTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const [collection, size, times] of [
      [big, BIG, bigTimes],
      [small, SMALL, smallTimes],
    ] as const) {
      const id = idOf((i * 7919) % size); // spread over the table, not just its first page
      const started = performance.now();
      const result = await collection.updateOne(filter(id), { $inc: { n: 1 } });
      times.push(performance.now() - started);
      expect(result.matchedCount).toBe(1);
    }
  }
  const cost = { big: median(bigTimes), small: median(smallTimes) };
  if (process.env.FERRETDB_INDEX_REPORT)
    console.log(`updateOne(${JSON.stringify(filter('id'))}) median ms: ${JSON.stringify(cost)}`);
  return cost;
}

/** Waits until updates by `_id` on the big collection cost about what they cost on the small one. */
async function expectIndexedLookups(big: Docs, small: Docs, filter: Filter = byId): Promise<void> {
  await waitUntil(
    async () => {
      const cost = await updateCost(big, small, 15, filter);
      return cost.big < MAX_RATIO * Math.max(cost.small, 0.5);
    },
    30_000,
    `updates by ${JSON.stringify(filter('id'))} on 5,000 documents to cost about what they cost on 10`,
  );
  // Then a longer measurement must agree.
  const cost = await updateCost(big, small, 60, filter);
  expect(cost.big).toBeLessThan(MAX_RATIO * Math.max(cost.small, 0.5));
}

describe('ferretdb launcher: _id expression index', () => {
  let dataDir = '';
  let engine: EngineProcess | undefined;
  let connection: mongoose.Connection | undefined;
  const logLines: string[] = [];

  const start = async (): Promise<{ big: Docs; small: Docs }> => {
    engine = await startEngine('mongo', { dataDir, log: (line) => logLines.push(line) });
    connection = await mongoose.createConnection(`${engine.url}/indexing`).asPromise();
    return {
      big: connection.collection('big') as unknown as Docs,
      small: connection.collection('small') as unknown as Docs,
    };
  };

  beforeAll(() => {
    dataDir = makeTempDir('ferretdb-index');
  });

  afterAll(async () => {
    await connection?.close();
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('makes {_id} updates on 5,000 documents as cheap as on 10, and lists only FerretDB indexes', async () => {
    const { big, small } = await start();
    await fill(big, BIG);
    await fill(small, SMALL);
    await big.createIndex({ n: 1 }, { name: 'n_1' });

    await expectIndexedLookups(big, small);

    const names = (await big.indexes()).map((index) => index.name).sort();
    expect(names).toEqual(['_id_', 'n_1']);
    expect((await small.indexes()).map((index) => index.name)).toEqual(['_id_']);
    expect(await big.countDocuments()).toBe(BIG);
  });

  it('serves a filter naming _id among other conditions from the index, and still applies them all', async () => {
    const big = connection!.collection('big') as unknown as Docs;
    const small = connection!.collection('small') as unknown as Docs;
    await expectIndexedLookups(big, small, byIdAndMore);

    const id = idOf(4_321);
    const { n } = (await big.findOne({ _id: id }))!;
    // Every other condition still decides, for every command that filters.
    expect(await big.findOne({ _id: id, n: n + 1 })).toBeNull();
    expect(await big.findOne({ _id: id, $or: [{ n: -1 }, { pad: { $exists: true } }] })).toMatchObject({ n });
    expect(await big.countDocuments({ _id: id, pad: { $exists: false } })).toBe(0);
    expect((await big.updateOne({ _id: id, n: n + 1 }, { $inc: { n: 1 } })).matchedCount).toBe(0);
    expect(await big.findOneAndUpdate({ _id: id, n: n + 1 }, { $inc: { n: 1 } })).toBeNull();
    expect((await big.deleteOne({ _id: id, n: n + 1 })).deletedCount).toBe(0);
    expect((await big.updateOne({ _id: id, n }, { $inc: { n: 1 } })).matchedCount).toBe(1);
    // The compare-and-set it serves: of 20 concurrent updates from the same version, one wins.
    const wins = await Promise.all(
      Array.from({ length: 20 }, () => big.updateOne({ _id: id, n: n + 1 }, { $inc: { n: 1 } })),
    );
    expect(wins.filter((result) => result.matchedCount === 1)).toHaveLength(1);
    // Several ids (an `$in`, also pushed down), and a non-string id the pushdown leaves alone.
    expect(await big.countDocuments({ _id: { $in: [id, 'no-such-id'] }, n: n + 2 })).toBe(1);
    expect(await big.countDocuments({ _id: 42 as unknown as string, n: 0 })).toBe(0);
    expect(await big.countDocuments()).toBe(BIG);
  });

  it('indexes a collection that was dropped and recreated', async () => {
    const big = connection!.collection('big') as unknown as Docs;
    const small = connection!.collection('small') as unknown as Docs;
    await big.drop();
    await fill(big, BIG);

    await expectIndexedLookups(big, small);
    expect((await big.indexes()).map((index) => index.name)).toEqual(['_id_']);
  });

  it('keeps data, indexes and fast {_id} lookups across a restart on the same data dir', async () => {
    const big0 = connection!.collection('big') as unknown as Docs;
    await big0.createIndex({ n: 1 }, { name: 'n_1' });
    await connection!.close();
    connection = undefined;
    await engine!.stop();
    engine = undefined;

    const { big, small } = await start();
    expect(await big.countDocuments()).toBe(BIG);
    expect(await small.countDocuments()).toBe(SMALL);
    expect((await big.indexes()).map((index) => index.name).sort()).toEqual(['_id_', 'n_1']);
    await expectIndexedLookups(big, small);
    // {_id} uniqueness is still FerretDB's own.
    await expect(big.insertOne({ _id: idOf(1), n: 0, pad: '' })).rejects.toMatchObject({ code: 11000 });
  });

  it('logged no indexer problems', () => {
    expect(logLines.filter((line) => line.includes('id index'))).toEqual([]);
  });
});
