import mongoose from 'mongoose';
import { runPool, timed, type Row } from './stats';

const INSERTS = 3_000;
const FINDS = 5_000;
const CONCURRENCY = 16;

/** mongoose insert and find-by-id throughput against one URL. */
async function measure(url: string, label: string): Promise<Row[]> {
  const connection = await mongoose
    .createConnection(`${url}/bench_${Date.now().toString(36)}`, { maxPoolSize: CONCURRENCY })
    .asPromise();
  const Model = connection.model('Doc', new mongoose.Schema({ n: Number, title: String, body: String }));
  await Model.init();
  const ids: mongoose.Types.ObjectId[] = [];
  const insertMs = await timed(() =>
    runPool(INSERTS, CONCURRENCY, async (i) => {
      const doc = await Model.create({ n: i, title: `doc ${i}`, body: 'x'.repeat(200) });
      ids.push(doc._id);
    }),
  );
  const findMs = await timed(() =>
    runPool(FINDS, CONCURRENCY, async (i) => {
      await Model.findById(ids[i % ids.length]).lean();
    }),
  );
  await connection.dropDatabase();
  await connection.close();
  return [
    {
      measure: `mongo ${label}: insert (mongoose, ${CONCURRENCY} in flight)`,
      value: `${Math.round((INSERTS / insertMs) * 1000)} ops/s`,
    },
    {
      measure: `mongo ${label}: find by id (mongoose, ${CONCURRENCY} in flight)`,
      value: `${Math.round((FINDS / findMs) * 1000)} ops/s`,
    },
  ];
}

export async function mongoBench(guardedUrl: string, unguardedUrl: string): Promise<Row[]> {
  return [
    ...(await measure(guardedUrl, 'through the guard')),
    ...(await measure(unguardedUrl, 'without the guard')),
  ];
}
