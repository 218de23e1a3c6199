import { Mutex } from '../src/mongo/mutex';
import { MessageFramer, OP_QUERY, commandName, hasMoreToCome, readHeader } from '../src/mongo/wire';
import { isWriteCommand } from '../src/mongo/write-commands';
import { opMsg } from './wire-messages';

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

describe('Mutex', () => {
  it('serves waiters one at a time in arrival order', async () => {
    const mutex = new Mutex();
    const order: number[] = [];
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      [1, 2, 3, 4].map(async (n) => {
        const release = await mutex.acquire();
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
});
