import fs from 'node:fs';
import net from 'node:net';
import fc from 'fast-check';
import mongoose, { type Connection, type Model } from 'mongoose';
import { startEngine, type EngineProcess } from '../src';
import { MAX_MESSAGE_BYTES, OP_MSG } from '../src/mongo/wire';
import { makeTempDir, waitUntil } from './support';
import { bodySection, bsonDocument, flagBits, message } from './wire-messages';

jest.setTimeout(180_000);

/** How long a connection may take to be closed once its malformed bytes are sent. */
const CLOSE_WITHIN_MS = 10_000;

function int32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32LE(value, 0);
  return bytes;
}

/** A header declaring `length`, whatever follows it. */
function declaring(length: number, rest = Buffer.alloc(12)): Buffer {
  return Buffer.concat([int32(length), rest]);
}

const MALFORMED: Array<[string, Buffer]> = [
  [
    'a kind-1 section of negative size',
    message(1, OP_MSG, Buffer.concat([flagBits(0), Buffer.from([1]), int32(-1)])),
  ],
  [
    'a kind-1 section of size 0',
    message(2, OP_MSG, Buffer.concat([flagBits(0), Buffer.from([1]), int32(0), bodySection('insert')])),
  ],
  [
    'a section overrunning the message',
    message(3, OP_MSG, Buffer.concat([flagBits(0), Buffer.from([1]), int32(4096)])),
  ],
  ['an OP_MSG without flags', message(4, OP_MSG, Buffer.alloc(0))],
  ['a message length of 0', declaring(0)],
  ['a message length below the header', declaring(8)],
  ['a negative message length', declaring(-20)],
  ['a message length beyond the 48 MB maximum', declaring(MAX_MESSAGE_BYTES + 1)],
];

/** Opens a raw connection to the guard, sends the chunks, resolves when the guard closes it. */
function sendAndAwaitClose(port: number, chunks: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the guard kept the connection open ${CLOSE_WITHIN_MS} ms after malformed bytes`));
    }, CLOSE_WITHIN_MS);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
  });
}

/** Sends bytes on a raw connection and closes it ourselves once `settled` resolves. */
async function sendThenLeave(port: number, chunks: Buffer[], settled: () => Promise<void>): Promise<void> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  for (const chunk of chunks) socket.write(chunk);
  try {
    await settled();
  } finally {
    socket.destroy();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A guard of its own: these tests send it what no driver would. */
describe('write guard against malformed wire messages', () => {
  const dataDir = makeTempDir('guard');
  const logLines: string[] = [];
  let engine: EngineProcess;
  let port = 0;
  let connection: Connection;
  let Items: Model<{ n: number }>;
  let written = 0;

  /** A well-behaved client: one write and one read, both answered. */
  async function otherClientIsServed(): Promise<void> {
    written += 1;
    await Items.create({ n: written });
    expect(await Items.countDocuments()).toBe(written);
  }

  beforeAll(async () => {
    engine = await startEngine('mongo', { dataDir, detached: true, log: (line) => logLines.push(line) });
    port = Number(new URL(engine.url).port);
    connection = await mongoose
      .createConnection(`${engine.url}/guard_malformed`, {
        serverSelectionTimeoutMS: CLOSE_WITHIN_MS,
        socketTimeoutMS: CLOSE_WITHIN_MS,
      })
      .asPromise();
    Items = connection.model(
      'Item',
      new mongoose.Schema<{ n: number }>({ n: { type: Number, required: true } }),
    );
    await otherClientIsServed();
  });

  afterAll(async () => {
    await connection?.close();
    await engine?.stop(5_000);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(MALFORMED)(
    'closes and logs the connection that sent %s, and serves the others',
    async (what, bytes) => {
      const logged = logLines.length;
      // Byte by byte too: the framing must not depend on how the bytes arrive.
      for (const chunks of [[bytes], [...bytes].map((byte) => Buffer.from([byte]))]) {
        const closed = sendAndAwaitClose(port, chunks);
        await otherClientIsServed();
        await closed;
      }
      await waitUntil(
        () => logLines.slice(logged).filter((line) => line.includes('malformed message')).length >= 2,
        CLOSE_WITHIN_MS,
        `two "malformed message" log lines for ${what}`,
      );
      await otherClientIsServed();
      expect(isAlive(engine.pid)).toBe(true);
    },
  );

  it('stays up and serves the others whatever bytes one connection sends (fuzzed)', async () => {
    const header = fc
      .record({
        length: fc.oneof(
          fc.integer({ min: -32, max: 96 }),
          fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        ),
        opCode: fc.constantFrom(OP_MSG, 2004, 2012, 0),
      })
      .map(({ length, opCode }) => Buffer.concat([int32(length), int32(1), int32(0), int32(opCode)]));
    const piece = fc.oneof(
      header,
      fc.uint8Array({ maxLength: 48 }).map(Buffer.from),
      fc.constantFrom(bsonDocument('insert'), bodySection('find'), flagBits(0), flagBits(3)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 6 }), async (pieces) => {
        await sendThenLeave(port, pieces, otherClientIsServed);
        expect(isAlive(engine.pid)).toBe(true);
      }),
      { numRuns: 60 },
    );
    await otherClientIsServed();
  });
});
