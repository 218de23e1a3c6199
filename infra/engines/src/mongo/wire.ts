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
  if (readHeader(message).opCode !== OP_MSG) return undefined;
  const flags = opMsgFlags(message);
  const end = message.length - ((flags & CHECKSUM_PRESENT) !== 0 ? CHECKSUM_BYTES : 0);
  let offset = HEADER_BYTES + FLAG_BYTES;
  let command: string | undefined;
  while (offset < end) {
    const kind = message.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      if (command !== undefined) throw new MalformedMessageError('an OP_MSG with two body sections');
      const size = sectionSize(message, offset, end, MIN_DOCUMENT_BYTES, 'body document');
      command = firstKey(message, offset, offset + size);
      offset += size;
    } else if (kind === 1) {
      // int32 size (including itself) | cstring identifier | documents…
      offset += sectionSize(message, offset, end, 4 + 1, 'document sequence');
    } else {
      throw new MalformedMessageError(`an OP_MSG section of unknown kind ${kind}`);
    }
  }
  if (command === undefined) throw new MalformedMessageError('an OP_MSG without a body section');
  return command;
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
