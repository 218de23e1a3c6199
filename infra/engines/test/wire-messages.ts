import { OP_MSG } from '../src/mongo/wire';

/** A BSON document `{<key>: 1}` (one int32 element). */
export function bsonDocument(key: string): Buffer {
  const name = Buffer.from(`${key}\0`);
  const document = Buffer.alloc(4 + 1 + name.length + 4 + 1);
  document.writeInt32LE(document.length, 0);
  document.writeUInt8(0x10, 4);
  name.copy(document, 5);
  document.writeInt32LE(1, 5 + name.length);
  return document;
}

/** A kind-1 section: int32 size (including itself) | cstring identifier | documents. */
export function documentSequence(identifier: string, documents: Buffer[]): Buffer {
  const id = Buffer.from(`${identifier}\0`);
  const payload = Buffer.concat([id, ...documents]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(4 + payload.length, 0);
  return Buffer.concat([Buffer.from([1]), size, payload]);
}

/** A kind-0 section holding `{<command>: 1}`. */
export function bodySection(command: string): Buffer {
  return Buffer.concat([Buffer.from([0]), bsonDocument(command)]);
}

/** A whole message: header, then `payload` as given (flags and sections for an OP_MSG). */
export function message(requestId: number, opCode: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + payload.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, payload]);
}

export function flagBits(flags: number): Buffer {
  const bits = Buffer.alloc(4);
  bits.writeUInt32LE(flags >>> 0, 0);
  return bits;
}

/** An OP_MSG whose body is `{<command>: 1}` (BSON int32), as a driver would send it. */
export function opMsg(requestId: number, command: string, flags = 0, leadingSequence = false): Buffer {
  const sections = leadingSequence
    ? [documentSequence('documents', []), bodySection(command)]
    : [bodySection(command)];
  return message(requestId, OP_MSG, Buffer.concat([flagBits(flags), ...sections]));
}
