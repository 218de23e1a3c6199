import { mongo } from 'mongoose';
import {
  MessageFramer,
  OP_MSG,
  OP_QUERY,
  commandName,
  commandTarget,
  hasMoreToCome,
  readHeader,
} from '../src/mongo/wire';
import { isWriteCommand } from '../src/mongo/write-commands';
import { EVERYTHING, WriteLocks, type LockScope, type Release } from '../src/mongo/write-locks';
import { documentSequence, flagBits, message, opMsg } from './wire-messages';

describe('wire protocol parsing', () => {
  it('reads the command name of an OP_MSG, after a document sequence too', () => {
    expect(commandName(opMsg(1, 'findAndModify'))).toBe('findAndModify');
    expect(commandName(opMsg(2, 'insert', 0, true))).toBe('insert');
    expect(readHeader(opMsg(7, 'find')).requestId).toBe(7);
  });

  it('ignores other opcodes and sees moreToCome', () => {
    const legacy = opMsg(1, 'isMaster');
    legacy.writeInt32LE(OP_QUERY, 12);
    expect(commandName(legacy)).toBeUndefined();
    expect(hasMoreToCome(opMsg(1, 'insert', 2))).toBe(true);
    expect(hasMoreToCome(opMsg(1, 'insert'))).toBe(false);
  });

  it('classifies writes and reads', () => {
    for (const write of [
      'insert',
      'update',
      'delete',
      'findAndModify',
      'createIndexes',
      'drop',
      'dropDatabase',
    ]) {
      expect(isWriteCommand(write)).toBe(true);
    }
    for (const read of ['find', 'getMore', 'aggregate', 'hello', 'isMaster', 'count', 'listIndexes']) {
      expect(isWriteCommand(read)).toBe(false);
    }
  });

  it('frames messages split and merged arbitrarily across chunks', () => {
    const stream = Buffer.concat([opMsg(1, 'find'), opMsg(2, 'update'), opMsg(3, 'hello')]);
    for (const size of [1, 3, 7, 50, stream.length]) {
      const framer = new MessageFramer();
      const ids: number[] = [];
      for (let offset = 0; offset < stream.length; offset += size) {
        for (const message of framer.push(stream.subarray(offset, offset + size))) {
          ids.push(readHeader(message).requestId);
        }
      }
      expect(ids).toEqual([1, 2, 3]);
    }
  });
});

/** An OP_MSG carrying `command` as a driver serializes it, with `sequence` documents in a kind-1 section. */
function driverMessage(command: Record<string, unknown>, sequence: Buffer[] = []): Buffer {
  const body = Buffer.concat([Buffer.from([0]), Buffer.from(mongo.BSON.serialize(command))]);
  const sections = sequence.length > 0 ? [body, documentSequence('documents', sequence)] : [body];
  return message(1, OP_MSG, Buffer.concat([flagBits(0), ...sections]));
}

describe('command targets', () => {
  const session = { lsid: { id: new mongo.UUID() }, $clusterTime: { clusterTime: new mongo.Timestamp(1n) } };

  it('names the collection a write works on, whatever comes before $db', () => {
    const filter = {
      _id: new mongo.ObjectId(),
      at: new Date(),
      n: 1.5,
      big: 2n ** 40n,
      bin: new mongo.Binary(Buffer.from('x')),
    };
    expect(
      commandTarget(driverMessage({ insert: 'tickets', ordered: true, ...session, $db: 'ticket' })),
    ).toEqual({
      command: 'insert',
      database: 'ticket',
      collection: 'tickets',
    });
    expect(
      commandTarget(
        driverMessage({
          findAndModify: 'counters',
          query: filter,
          update: { $inc: { seq: 1 } },
          new: true,
          $db: 'ticket',
        }),
      ),
    ).toEqual({ command: 'findAndModify', database: 'ticket', collection: 'counters' });
    expect(
      commandTarget(
        driverMessage({ update: 'outbox', updates: [{ q: filter, u: { $set: { a: null } } }], $db: 'file' }),
      ),
    ).toEqual({ command: 'update', database: 'file', collection: 'outbox' });
    const document = Buffer.from(mongo.BSON.serialize({ _id: 1 }));
    expect(commandTarget(driverMessage({ insert: 'files', $db: 'file' }, [document]))).toMatchObject({
      database: 'file',
      collection: 'files',
    });
  });

  it('gives no database or collection when the command names no collection or the body cannot be walked', () => {
    expect(commandTarget(driverMessage({ dropDatabase: 1, $db: 'ticket' }))).toEqual({
      command: 'dropDatabase',
    });
    expect(commandTarget(driverMessage({ insert: 'tickets' }))).toEqual({ command: 'insert' });
    expect(commandTarget(driverMessage({ delete: 'tickets', q: /x/, $db: 'ticket' }))).toEqual({
      command: 'delete',
    });
    expect(commandTarget(opMsg(1, 'update'))).toEqual({ command: 'update' });
  });
});

/** Takes a hold on each scope in order and records which holds were granted before any release. */
async function grantedAtOnce(
  locks: WriteLocks,
  scopes: LockScope[],
): Promise<{ granted: number[]; releases: Release[] }> {
  const granted: number[] = [];
  const releases: Release[] = [];
  scopes.forEach((scope, index) => {
    void locks.acquire(scope).then((release) => {
      granted.push(index);
      releases[index] = release;
    });
  });
  await new Promise((resolve) => setImmediate(resolve));
  return { granted, releases };
}

describe('WriteLocks', () => {
  it('serves waiters on one database one at a time in arrival order', async () => {
    const locks = new WriteLocks();
    const order: number[] = [];
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      [1, 2, 3, 4].map(async (n) => {
        const release = await locks.acquire('ticket');
        inside += 1;
        maxInside = Math.max(maxInside, inside);
        order.push(n);
        await new Promise((resolve) => setImmediate(resolve));
        inside -= 1;
        release();
        release(); // a second call must not free a later holder
      }),
    );
    expect(order).toEqual([1, 2, 3, 4]);
    expect(maxInside).toBe(1);
  });

  it('lets writes to different databases run together', async () => {
    const locks = new WriteLocks();
    const { granted } = await grantedAtOnce(locks, ['ticket', 'file', 'auth', 'ticket']);
    expect(granted).toEqual([0, 1, 2]);
    expect(locks.waiting).toBe(1);
  });

  it('holds EVERYTHING alone, after the holds before it and before every later one', async () => {
    const locks = new WriteLocks();
    const { granted, releases } = await grantedAtOnce(locks, ['a', EVERYTHING, 'b', 'a']);
    expect(granted).toEqual([0]);
    releases[0]!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(granted).toEqual([0, 1]);
    releases[1]!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(granted).toEqual([0, 1, 2, 3]);
  });
});
