import fc from 'fast-check';
import { mongo } from 'mongoose';
import {
  HEADER_BYTES,
  MAX_MESSAGE_BYTES,
  MalformedMessageError,
  MessageFramer,
  OP_COMPRESSED,
  OP_MSG,
  OP_QUERY,
  commandName,
  commandTarget,
  hasMoreToCome,
  readHeader,
} from '../src/mongo/wire';
import { bodySection, bsonDocument, documentSequence, flagBits, message } from './wire-messages';

/**
 * The framer and the parser read bytes any client can send. Whatever they get, they
 * return (no loop, no buffer that grows past one message) with whole frames, or throw a
 * MalformedMessageError that tells the guard to close that connection; nothing else.
 */

/** Splits `bytes` at the given cut points (fractions of its length). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => Math.floor(cut * bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) chunks.push(bytes.subarray(start, point));
    start = Math.max(start, point);
  }
  return chunks;
}

interface Framed {
  frames: Buffer[];
  error?: MalformedMessageError;
}

/** Feeds the chunks to one framer; after its first error, every later push must throw too. */
function frame(chunks: Buffer[]): Framed {
  const framer = new MessageFramer();
  const frames: Buffer[] = [];
  let error: MalformedMessageError | undefined;
  for (const chunk of chunks) {
    try {
      frames.push(...framer.push(chunk));
      expect(error).toBeUndefined();
    } catch (thrown) {
      expect(thrown).toBeInstanceOf(MalformedMessageError);
      error = thrown as MalformedMessageError;
    }
  }
  return { frames, error };
}

/** What the guard does with a frame: classify it, or learn that it is malformed. */
function classify(frame: Buffer): string | undefined | MalformedMessageError {
  try {
    const name = commandName(frame);
    hasMoreToCome(frame);
    expect(commandTarget(frame)?.command).toBe(name);
    return name;
  } catch (error) {
    if (error instanceof MalformedMessageError) return error;
    throw error;
  }
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

/** Declared lengths around every edge: negative, below the header, small, huge, random. */
const declaredLength = fc.oneof(
  fc.integer({ min: -64, max: 64 }),
  fc.constantFrom(-1, 0, 1, 15, 16, 17, 20, 21, MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES + 1, 0x7fffffff),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);

/** A header whose length field says anything, then random bytes of a random length. */
const looseMessage = fc
  .record({
    length: declaredLength,
    opCode: fc.constantFrom(OP_MSG, OP_QUERY, OP_COMPRESSED, 0, -1),
    body: fc.uint8Array({ maxLength: 80 }),
  })
  .map(({ length, opCode, body }) => {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeInt32LE(length, 0);
    header.writeInt32LE(1, 4);
    header.writeInt32LE(opCode, 12);
    return Buffer.concat([header, Buffer.from(body)]);
  });

const commandNames = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,20}$/);

/** A well-formed OP_MSG: optional document sequences around one body, optional checksum. */
const validOpMsg = fc
  .record({
    requestId: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    command: commandNames,
    before: fc.array(fc.array(commandNames, { maxLength: 3 }), { maxLength: 2 }),
    after: fc.array(fc.array(commandNames, { maxLength: 3 }), { maxLength: 2 }),
    moreToCome: fc.boolean(),
    checksum: fc.boolean(),
  })
  .map(({ requestId, command, before, after, moreToCome, checksum }) => {
    const sequence = (keys: string[]): Buffer => documentSequence('documents', keys.map(bsonDocument));
    const flags = (moreToCome ? 2 : 0) | (checksum ? 1 : 0);
    const payload = Buffer.concat([
      flagBits(flags),
      ...before.map(sequence),
      bodySection(command),
      ...after.map(sequence),
      checksum ? Buffer.alloc(4, 0xab) : Buffer.alloc(0),
    ]);
    return { bytes: message(requestId, OP_MSG, payload), requestId, command, moreToCome };
  });

describe('wire framer and parser under fuzzing', () => {
  it('frames any byte stream, however split, into whole messages or a malformed-stream error', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(looseMessage, fc.uint8Array({ maxLength: 64 }).map(Buffer.from)), {
          minLength: 1,
          maxLength: 6,
        }),
        cuts,
        (pieces, cutPoints) => {
          const stream = Buffer.concat(pieces);
          const { frames } = frame(split(stream, cutPoints));
          let consumed = 0;
          for (const frameBytes of frames) {
            const { length } = readHeader(frameBytes);
            expect(length).toBe(frameBytes.length);
            expect(length).toBeGreaterThanOrEqual(HEADER_BYTES);
            expect(length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
            expect(frameBytes.equals(stream.subarray(consumed, consumed + length))).toBe(true);
            consumed += length;
            classify(frameBytes);
          }
          expect(consumed).toBeLessThanOrEqual(stream.length);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses a declared length below the header, negative or beyond the maximum message size at once', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -0x80000000, max: HEADER_BYTES - 1 }),
          fc.integer({ min: MAX_MESSAGE_BYTES + 1, max: 0x7fffffff }),
        ),
        fc.uint8Array({ maxLength: 40 }),
        cuts,
        (length, rest, cutPoints) => {
          const prefix = Buffer.alloc(4);
          prefix.writeInt32LE(length, 0);
          const { frames, error } = frame(split(Buffer.concat([prefix, Buffer.from(rest)]), cutPoints));
          expect(frames).toEqual([]);
          expect(error).toBeInstanceOf(MalformedMessageError);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('gives back every valid OP_MSG of a stream, split anywhere, with its command', () => {
    fc.assert(
      fc.property(fc.array(validOpMsg, { minLength: 1, maxLength: 5 }), cuts, (messages, cutPoints) => {
        const { frames, error } = frame(split(Buffer.concat(messages.map((m) => m.bytes)), cutPoints));
        expect(error).toBeUndefined();
        expect(frames.map((f) => readHeader(f).requestId)).toEqual(messages.map((m) => m.requestId));
        expect(frames.map(commandName)).toEqual(messages.map((m) => m.command));
        expect(frames.map(hasMoreToCome)).toEqual(messages.map((m) => m.moreToCome));
      }),
      { numRuns: 1000 },
    );
  });

  it('reads a command name or reports a malformed OP_MSG whatever its section bytes say', () => {
    fc.assert(
      fc.property(
        validOpMsg,
        fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        ({ bytes }, corruptions) => {
          const corrupted = Buffer.from(bytes);
          // The header stays: the framer already vouched for the length; the rest is anything.
          for (const { at, value } of corruptions) {
            corrupted[HEADER_BYTES + (at % (corrupted.length - HEADER_BYTES))] = value;
          }
          const result = classify(corrupted);
          expect(typeof result === 'string' || result instanceof MalformedMessageError).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('finds the database and collection of any driver-serialized command, or none, or a malformed OP_MSG once corrupted', () => {
    const command = fc.record({
      collection: fc.string({ minLength: 1 }),
      database: fc.string({ minLength: 1 }),
      // Prefixed: integer-like keys would come first in a JS object and become the command.
      extra: fc.dictionary(
        fc.string().map((key) => `x${key.replaceAll('\0', '')}`),
        fc.jsonValue(),
      ),
    });
    fc.assert(
      fc.property(
        command,
        fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
        ({ collection, database, extra }, corruptions) => {
          fc.pre(!collection.includes('\0') && !database.includes('\0'));
          const body = mongo.BSON.serialize({ update: collection, ...extra, $db: database });
          const bytes = message(1, OP_MSG, Buffer.concat([flagBits(0), Buffer.from([0]), Buffer.from(body)]));
          if (corruptions.length === 0) {
            expect(commandTarget(bytes)).toEqual({
              command: 'update',
              database,
              collection,
            });
          }
          for (const { at, value } of corruptions) {
            bytes[HEADER_BYTES + (at % (bytes.length - HEADER_BYTES))] = value;
          }
          try {
            const target = commandTarget(bytes);
            expect(target === undefined || typeof target.command === 'string').toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(MalformedMessageError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reports the known bad shapes as malformed', () => {
    const flags = flagBits(0);
    const sizeOf = (size: number): Buffer => {
      const bytes = Buffer.alloc(4);
      bytes.writeInt32LE(size, 0);
      return bytes;
    };
    const cases: Record<string, Buffer> = {
      'kind-1 section of size 0': Buffer.concat([flags, Buffer.from([1]), sizeOf(0), bodySection('insert')]),
      'kind-1 section of negative size': Buffer.concat([flags, Buffer.from([1]), sizeOf(-1)]),
      'kind-1 section overrunning the message': Buffer.concat([flags, Buffer.from([1]), sizeOf(1000)]),
      'body overrunning the message': Buffer.concat([
        flags,
        Buffer.from([0]),
        sizeOf(1000),
        Buffer.from([0x10]),
      ]),
      'body of size 0': Buffer.concat([flags, Buffer.from([0]), sizeOf(0)]),
      'empty body document': Buffer.concat([flags, Buffer.from([0]), sizeOf(5), Buffer.from([0])]),
      'no body section': Buffer.concat([flags, documentSequence('documents', [])]),
      'unknown section kind': Buffer.concat([flags, Buffer.from([7]), bsonDocument('insert')]),
      'no flags': Buffer.alloc(0),
      'two bodies': Buffer.concat([flags, bodySection('find'), bodySection('insert')]),
    };
    for (const [name, payload] of Object.entries(cases)) {
      expect([name, classify(message(1, OP_MSG, payload))]).toEqual([
        name,
        expect.any(MalformedMessageError),
      ]);
    }
  });
});
