import mongoose, { type Connection } from 'mongoose';
import { uniqueName } from './support';

/**
 * mongoose against the run's MONGO_URL: FerretDB behind the write guard by default, or
 * a real MongoDB when MONGO_URL points at one. The same suite passes on both.
 */
const baseUrl = process.env.MONGO_URL ?? '';

function urlFor(database: string): string {
  const [server, query] = baseUrl.split('?', 2) as [string, string | undefined];
  const host = server.replace(/^(mongodb(?:\+srv)?:\/\/[^/]+).*$/, '$1');
  return `${host}/${database}${query ? `?${query}` : ''}`;
}

jest.setTimeout(120_000);

interface Ticket {
  number: number;
  title: string;
  status: 'open' | 'assigned' | 'solved';
  priority: number;
  tags: string[];
  assigneeId?: string | null;
}

const ticketSchema = new mongoose.Schema<Ticket>({
  number: { type: Number, required: true, unique: true },
  title: { type: String, required: true },
  status: { type: String, required: true },
  priority: { type: Number, required: true },
  tags: [String],
  assigneeId: { type: String, default: null },
});

const counterSchema = new mongoose.Schema({ _id: String, value: Number });

describe('mongoose against MONGO_URL', () => {
  let connection: Connection;
  let Tickets: mongoose.Model<Ticket>;

  beforeAll(async () => {
    expect(baseUrl).not.toBe('');
    connection = await mongoose
      .createConnection(urlFor(uniqueName('mongo').replace(/-/g, '_')), { maxPoolSize: 50 })
      .asPromise();
    Tickets = connection.model<Ticket>('Ticket', ticketSchema);
    await Tickets.init();
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  beforeEach(async () => {
    await Tickets.deleteMany({});
  });

  it('rejects a duplicate of a unique index with code 11000', async () => {
    await Tickets.create({ number: 1, title: 'a', status: 'open', priority: 1 });
    await expect(
      Tickets.create({ number: 1, title: 'b', status: 'open', priority: 1 }),
    ).rejects.toMatchObject({
      code: 11000,
    });
    expect(await Tickets.countDocuments()).toBe(1);
  });

  it('finds with operators, sort, skip, limit and projection', async () => {
    await Tickets.insertMany(
      Array.from({ length: 20 }, (_, i) => ({
        number: i,
        title: `ticket ${i}`,
        status: i % 2 === 0 ? 'open' : 'solved',
        priority: i % 5,
        tags: i % 3 === 0 ? ['vpn', 'urgent'] : ['printer'],
      })),
    );
    const page = await Tickets.find({
      status: 'open',
      priority: { $gte: 2 },
      tags: { $in: ['vpn', 'printer'] },
    })
      .sort({ number: -1 })
      .skip(1)
      .limit(3)
      .select({ number: 1, title: 1, _id: 0 })
      .lean();
    // open: even numbers; priority = n % 5 >= 2 → 18, 14, 12, 8, 4, 2 …; skip 1 → 14, 12, 8
    expect(page).toEqual([
      { number: 14, title: 'ticket 14' },
      { number: 12, title: 'ticket 12' },
      { number: 8, title: 'ticket 8' },
    ]);
    expect(await Tickets.countDocuments({ title: { $regex: '^TICKET 1', $options: 'i' } })).toBe(11);
    // priority 0: 0, 5, 10, 15; urgent: 0, 3, 6, 9, 12, 15, 18 → 9 distinct
    expect(await Tickets.countDocuments({ $or: [{ priority: 0 }, { tags: 'urgent' }] })).toBe(9);
  });

  it('upserts with findOneAndUpdate', async () => {
    const created = await Tickets.findOneAndUpdate(
      { number: 42 },
      { $set: { title: 'upserted' }, $setOnInsert: { status: 'open', priority: 3 } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    expect(created).toMatchObject({ number: 42, title: 'upserted', status: 'open', priority: 3 });
    const updated = await Tickets.findOneAndUpdate(
      { number: 42 },
      { $set: { title: 'again' }, $setOnInsert: { priority: 9 } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    expect(updated).toMatchObject({ number: 42, title: 'again', priority: 3 });
    expect(await Tickets.countDocuments({ number: 42 })).toBe(1);
  });

  it('counts all of 300 concurrent $inc on one document', async () => {
    const Counters = connection.model('Counter', counterSchema);
    const id = uniqueName('counter');
    await Counters.create({ _id: id, value: 0 });
    await Promise.all(
      Array.from({ length: 300 }, () => Counters.updateOne({ _id: id }, { $inc: { value: 1 } })),
    );
    expect((await Counters.findById(id).lean())?.value).toBe(300);
  });

  it('counts every $inc and keeps every insert when two collections and a second database are written at once', async () => {
    const other = await mongoose
      .createConnection(urlFor(uniqueName('mongo_other').replace(/-/g, '_')), { maxPoolSize: 50 })
      .asPromise();
    try {
      const id = uniqueName('counter');
      const here = connection.model('Counter', counterSchema);
      const there = other.model('Counter', counterSchema);
      await Promise.all([here.create({ _id: id, value: 0 }), there.create({ _id: id, value: 0 })]);
      const increments = (model: typeof here) =>
        Array.from({ length: 150 }, () => model.updateOne({ _id: id }, { $inc: { value: 1 } }));
      const inserts = Array.from({ length: 150 }, (_, i) =>
        Tickets.create({ number: 10_000 + i, title: 'parallel', status: 'open', priority: 1 }),
      );
      await Promise.all([...increments(here), ...increments(there), ...inserts]);
      expect((await here.findById(id).lean())?.value).toBe(150);
      expect((await there.findById(id).lean())?.value).toBe(150);
      expect(await Tickets.countDocuments({ title: 'parallel' })).toBe(150);
    } finally {
      await other.dropDatabase();
      await other.close();
    }
  });

  it('gives a document to exactly one of two concurrent findOneAndUpdate claims', async () => {
    for (let round = 0; round < 10; round += 1) {
      const { _id } = await Tickets.create({
        number: 1_000 + round,
        title: 'claim me',
        status: 'open',
        priority: 1,
      });
      const claim = (agent: string) =>
        Tickets.findOneAndUpdate(
          { _id, assigneeId: null },
          { $set: { assigneeId: agent, status: 'assigned' } },
          { returnDocument: 'after' },
        ).lean();
      const results = await Promise.all([claim('agent-a'), claim('agent-b')]);
      const winners = results.filter((result) => result !== null);
      expect(winners).toHaveLength(1);
      expect((await Tickets.findById(_id).lean())?.assigneeId).toBe(winners[0]?.assigneeId);
    }
  });

  it('aggregates with $match and $group', async () => {
    await Tickets.insertMany(
      Array.from({ length: 30 }, (_, i) => ({
        number: i,
        title: 't',
        status: ['open', 'assigned', 'solved'][i % 3],
        priority: i % 2,
      })),
    );
    // One accumulator per $group: FerretDB 1.24 returns 0 for every accumulator after
    // the first in the same stage (see libs/store/README.md).
    const counts = await Tickets.aggregate<{ _id: string; count: number }>([
      { $match: { status: { $ne: 'solved' } } },
      { $group: { _id: '$status', count: { $sum: 1 } } },
      { $sort: { _id: 1 } },
    ]);
    expect(counts).toEqual([
      { _id: 'assigned', count: 10 },
      { _id: 'open', count: 10 },
    ]);
    // open: i = 0, 3, …, 27 and odd priority for 3, 9, 15, 21, 27
    const sums = await Tickets.aggregate<{ _id: string; priorities: number }>([
      { $match: { status: 'open' } },
      { $group: { _id: '$status', priorities: { $sum: '$priority' } } },
    ]);
    expect(sums).toEqual([{ _id: 'open', priorities: 5 }]);
  });

  it('walks 5,000 documents with a cursor in batches', async () => {
    const docs = Array.from({ length: 5_000 }, (_, i) => ({
      number: i,
      title: `bulk ${i}`,
      status: 'open',
      priority: 1,
    }));
    for (let i = 0; i < docs.length; i += 1_000)
      await Tickets.insertMany(docs.slice(i, i + 1_000), { lean: true });
    let count = 0;
    let previous = -1;
    let ordered = true;
    for await (const doc of Tickets.find().sort({ number: 1 }).batchSize(500).lean().cursor()) {
      ordered &&= doc.number > previous;
      previous = doc.number;
      count += 1;
    }
    expect(count).toBe(5_000);
    expect(ordered).toBe(true);
  });
});
