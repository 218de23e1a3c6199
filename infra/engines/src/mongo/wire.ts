/**
 * Just enough of the MongoDB wire protocol to tell writes from reads: the 16-byte
 * message header and, for OP_MSG, the name of the command (the first key of the body
 * document in the kind-0 section).
 *
 *   header:  int32 messageLength | int32 requestID | int32 responseTo | int32 opCode
 *   OP_MSG:  uint32 flagBits | sections… | optional uint32 checksum
 *   section: byte kind (0 = body document, 1 = document sequence) | payload
 *   body:    int32 size | byte type | cstring key | …   (the first key is the command)
 *
 * The bytes come from any client that can open a socket, so every length read from them
 * is checked against the bytes actually there before it moves an offset: a message that
 * does not add up is a MalformedMessageError, never a loop, an out-of-range read or an
 * ever-growing buffer.
 */
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const HEADER_BYTES = 16;
/** MongoDB's `maxMessageSizeBytes`: no server accepts a longer message. */
export const MAX_MESSAGE_BYTES = 48_000_000;

const CHECKSUM_PRESENT = 1 << 0;
const MORE_TO_COME = 1 << 1;
const FLAG_BYTES = 4;
const CHECKSUM_BYTES = 4;
/** int32 size + the terminating 0 of an empty document. */
const MIN_DOCUMENT_BYTES = 5;

/** The peer sent bytes that are not a MongoDB message; its connection cannot be trusted further. */
export class MalformedMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedMessageError';
  }
}

export interface MessageHeader {
  length: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

export function readHeader(message: Buffer): MessageHeader {
  if (message.length < HEADER_BYTES) {
    throw new MalformedMessageError(`a message of ${message.length} bytes has no room for its header`);
  }
  return {
    length: message.readInt32LE(0),
    requestId: message.readInt32LE(4),
    responseTo: message.readInt32LE(8),
    opCode: message.readInt32LE(12),
  };
}

/** Refuses a declared message length no MongoDB message can have. */
export function checkMessageLength(length: number): void {
  if (length < HEADER_BYTES || length > MAX_MESSAGE_BYTES) {
    throw new MalformedMessageError(
      `message length ${length} is outside ${HEADER_BYTES}..${MAX_MESSAGE_BYTES} bytes`,
    );
  }
}

/** True when the sender expects no reply (unacknowledged writes, exhaust streams). */
export function hasMoreToCome(message: Buffer): boolean {
  return readHeader(message).opCode === OP_MSG && (opMsgFlags(message) & MORE_TO_COME) !== 0;
}

function opMsgFlags(message: Buffer): number {
  if (message.length < HEADER_BYTES + FLAG_BYTES) {
    throw new MalformedMessageError(`an OP_MSG of ${message.length} bytes has no room for its flags`);
  }
  return message.readUInt32LE(HEADER_BYTES);
}

/**
 * The command name of an OP_MSG, or undefined for other opcodes. Throws a
 * MalformedMessageError when the sections do not fit the message exactly, so a message
 * the guard cannot read is never mistaken for a read and let past the write lock.
 */
export function commandName(message: Buffer): string | undefined {
  const body = bodyDocument(message);
  return body && firstKey(message, body.start, body.end);
}

export interface CommandTarget {
  command: string;
  /** Both or neither: when the command's first value names a collection and `$db` is given. */
  database?: string;
  collection?: string;
}

/**
 * The command of an OP_MSG and the collection it works on, or undefined for other opcodes.
 * Malformed sections throw as in commandName; a body whose elements cannot be walked to
 * the end gives no collection, which the guard treats as "may touch anything".
 */
export function commandTarget(message: Buffer): CommandTarget | undefined {
  const body = bodyDocument(message);
  if (!body) return undefined;
  const command = firstKey(message, body.start, body.end);
  const strings = topLevelStrings(message, body.start, body.end);
  const collection = strings?.get(command);
  const database = strings?.get('$db');
  if (collection === undefined || database === undefined) return { command };
  return { command, database, collection };
}

/** Where the kind-0 body document of an OP_MSG lies, after checking every section fits. */
function bodyDocument(message: Buffer): { start: number; end: number } | undefined {
  if (readHeader(message).opCode !== OP_MSG) return undefined;
  const flags = opMsgFlags(message);
  const end = message.length - ((flags & CHECKSUM_PRESENT) !== 0 ? CHECKSUM_BYTES : 0);
  let offset = HEADER_BYTES + FLAG_BYTES;
  let body: { start: number; end: number } | undefined;
  while (offset < end) {
    const kind = message.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      if (body !== undefined) throw new MalformedMessageError('an OP_MSG with two body sections');
      const size = sectionSize(message, offset, end, MIN_DOCUMENT_BYTES, 'body document');
      body = { start: offset, end: offset + size };
      offset += size;
    } else if (kind === 1) {
      // int32 size (including itself) | cstring identifier | documents…
      offset += sectionSize(message, offset, end, 4 + 1, 'document sequence');
    } else {
      throw new MalformedMessageError(`an OP_MSG section of unknown kind ${kind}`);
    }
  }
  if (body === undefined) throw new MalformedMessageError('an OP_MSG without a body section');
  return body;
}

/** The int32 size at `offset`, checked to be at least `minimum` and to end by `end`. */
function sectionSize(message: Buffer, offset: number, end: number, minimum: number, what: string): number {
  if (offset + 4 > end) throw new MalformedMessageError(`a ${what} cut off before its size`);
  const size = message.readInt32LE(offset);
  if (size < minimum || offset + size > end) {
    throw new MalformedMessageError(`a ${what} of size ${size} at offset ${offset} in ${end} bytes`);
  }
  return size;
}

/** The first key of the document in [start, end): its element type, then a cstring. */
function firstKey(message: Buffer, start: number, end: number): string {
  const keyStart = start + 4 + 1;
  const keyEnd = message.indexOf(0, keyStart);
  if (message.readUInt8(start + 4) === 0 || keyEnd === -1 || keyEnd >= end) {
    throw new MalformedMessageError('an OP_MSG body without a command');
  }
  return message.toString('utf8', keyStart, keyEnd);
}

/**
 * Splits a byte stream into whole messages. Chunks are kept in a list and joined once
 * per message, so a 16 MB batch arriving in 64 KB chunks is copied once, not 256 times.
 * A declared length outside what MongoDB allows throws a MalformedMessageError, and so
 * does every later push: the stream has lost its framing for good.
 */
export class MessageFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private broken: MalformedMessageError | undefined;

  push(chunk: Buffer): Buffer[] {
    if (this.broken) throw this.broken;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const messages: Buffer[] = [];
    for (;;) {
      const length = this.nextLength();
      if (length === undefined || this.buffered < length) return messages;
      messages.push(this.take(length));
    }
  }

  private nextLength(): number | undefined {
    if (this.buffered < 4) return undefined;
    if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks)];
    const length = this.chunks[0]!.readInt32LE(0);
    try {
      checkMessageLength(length);
    } catch (error) {
      this.broken = error as MalformedMessageError;
      this.chunks = [];
      this.buffered = 0;
      throw error;
    }
    return length;
  }

  private take(length: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const message = all.subarray(0, length);
    const rest = all.subarray(length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return message;
  }
}

/** BSON element types by the size of their value, for the ones of fixed size. */
const FIXED_VALUE_BYTES: ReadonlyMap<number, number> = new Map([
  [0x01, 8], // double
  [0x06, 0], // undefined
  [0x07, 12], // ObjectId
  [0x08, 1], // boolean
  [0x09, 8], // UTC datetime
  [0x0a, 0], // null
  [0x10, 4], // int32
  [0x11, 8], // timestamp
  [0x12, 8], // int64
  [0x13, 16], // decimal128
  [0x7f, 0], // max key
  [0xff, 0], // min key
]);
const STRING = 0x02;
/** JavaScript code and symbols are laid out as strings. */
const STRING_LIKE = new Set([STRING, 0x0d, 0x0e]);
/** Types whose value starts with an int32 byte count that includes itself (documents, arrays, code with scope). */
const SELF_SIZED = new Set([0x03, 0x04, 0x0f]);
const BINARY = 0x05;

/**
 * The string-valued top-level elements of the BSON document in [start, end), by key;
 * undefined when an element does not fit (the caller then knows nothing about the command).
 * Regular expressions and DB pointers are not walked (no command body has them at its top
 * level); they give undefined too.
 */
function topLevelStrings(message: Buffer, start: number, end: number): Map<string, string> | undefined {
  const strings = new Map<string, string>();
  let offset = start + 4;
  const last = end - 1; // the document's terminating 0
  while (offset < last) {
    const type = message.readUInt8(offset);
    const keyEnd = message.indexOf(0, offset + 1);
    if (keyEnd === -1 || keyEnd >= last) return undefined;
    const key = message.toString('utf8', offset + 1, keyEnd);
    const value = keyEnd + 1;
    const size = valueBytes(message, type, value, last);
    if (size === undefined || value + size > last) return undefined;
    if (type === STRING) strings.set(key, message.toString('utf8', value + 4, value + size - 1));
    offset = value + size;
  }
  return strings;
}

function valueBytes(message: Buffer, type: number, value: number, end: number): number | undefined {
  const fixed = FIXED_VALUE_BYTES.get(type);
  if (fixed !== undefined) return fixed;
  if (value + 4 > end) return undefined;
  const declared = message.readInt32LE(value);
  if (declared < 0) return undefined;
  if (STRING_LIKE.has(type)) return declared >= 1 ? 4 + declared : undefined;
  if (SELF_SIZED.has(type)) return declared >= MIN_DOCUMENT_BYTES ? declared : undefined;
  if (type === BINARY) return 4 + 1 + declared;
  return undefined;
}
