import fs from 'node:fs';
import mongoose from 'mongoose';
import { startEngine, type EngineProcess } from '../src';
import { makeTempDir, processesInGroup, waitUntil } from './support';

jest.setTimeout(120_000);

const itemSchema = new mongoose.Schema({ sku: { type: String, unique: true }, qty: Number });

/** A FerretDB of its own: this test kills it. */
describe('mongo engine restart', () => {
  let dataDir = '';
  beforeAll(() => {
    dataDir = makeTempDir('mongo');
  });
  let engine: EngineProcess | undefined;

  afterAll(async () => {
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps documents and indexes after its process group is SIGKILLed', async () => {
    engine = await startEngine('mongo', { dataDir, detached: true });
    let connection = await mongoose.createConnection(`${engine.url}/inventory`).asPromise();
    let Items = connection.model('Item', itemSchema);
    await Items.init();
    await Items.insertMany(Array.from({ length: 100 }, (_, i) => ({ sku: `sku-${i}`, qty: i })));
    await Items.updateOne({ sku: 'sku-7' }, { $inc: { qty: 100 } });
    await connection.close();

    const group = engine.pid;
    engine.kill('SIGKILL');
    await waitUntil(() => processesInGroup(group).length === 0, 30_000, 'the whole group to die');

    engine = await startEngine('mongo', { dataDir, detached: true });
    connection = await mongoose.createConnection(`${engine.url}/inventory`).asPromise();
    Items = connection.model('Item', itemSchema);
    try {
      expect(await Items.countDocuments()).toBe(100);
      expect((await Items.findOne({ sku: 'sku-7' }).lean())?.qty).toBe(107);
      const indexes = await Items.collection.indexes();
      expect(indexes.map((index) => index.key)).toEqual(expect.arrayContaining([{ sku: 1 }]));
      await expect(Items.create({ sku: 'sku-1', qty: 0 })).rejects.toMatchObject({ code: 11000 });
    } finally {
      await connection.close();
    }
  });

  it('stops cleanly on SIGTERM: the whole group exits without a SIGKILL, and the data is kept', async () => {
    const running = engine!;
    const group = running.pid;
    expect(processesInGroup(group).length).toBeGreaterThan(0);
    // SIGTERM alone (stop() would follow up with a SIGKILL after its grace time).
    running.kill('SIGTERM');
    await waitUntil(() => processesInGroup(group).length === 0, 30_000, 'the group to exit on SIGTERM');
    await running.exited;
    engine = undefined;
    expect(processesInGroup(group)).toEqual([]);

    engine = await startEngine('mongo', { dataDir, detached: true });
    const connection = await mongoose.createConnection(`${engine.url}/inventory`).asPromise();
    try {
      expect(await connection.model('Item', itemSchema).countDocuments()).toBe(100);
    } finally {
      await connection.close();
    }
  });
});
