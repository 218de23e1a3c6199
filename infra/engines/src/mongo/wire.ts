/**
 * Just enough of the MongoDB wire protocol to tell writes from reads: the 16-byte
 * message header and, for OP_MSG, the name of the command (the first key of the body
 * document in the kind-0 section).
 *
 *   header:  int32 messageLength | int32 requestID | int32 responseTo | int32 opCode
 *   OP_MSG:  uint32 flagBits | sections… | optional uint32 checksum
 *   section: byte kind (0 = body document, 1 = document sequence) | payload
 *   body:    int32 size | byte type | cstring key | …   (the first key is the command)
 */
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const HEADER_BYTES = 16;
const MORE_TO_COME = 1 << 1;

export interface MessageHeader {
  length: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

export function readHeader(message: Buffer): MessageHeader {
  return {
    length: message.readInt32LE(0),
    requestId: message.readInt32LE(4),
    responseTo: message.readInt32LE(8),
    opCode: message.readInt32LE(12),
  };
}

/** True when the sender expects no reply (unacknowledged writes, exhaust streams). */
export function hasMoreToCome(message: Buffer): boolean {
  return readHeader(message).opCode === OP_MSG && (message.readUInt32LE(HEADER_BYTES) & MORE_TO_COME) !== 0;
}

/** The command name of an OP_MSG, or undefined for other opcodes or a malformed message. */
export function commandName(message: Buffer): string | undefined {
  if (message.length < HEADER_BYTES + 5 || readHeader(message).opCode !== OP_MSG) return undefined;
  let offset = HEADER_BYTES + 4;
  while (offset < message.length) {
    const kind = message.readUInt8(offset);
    offset += 1;
    if (kind === 0) return firstKey(message, offset);
    if (kind !== 1 || offset + 4 > message.length) return undefined;
    // kind 1: int32 size (including itself) | cstring identifier | documents…
    offset += message.readInt32LE(offset);
  }
  return undefined;
}

function firstKey(message: Buffer, documentStart: number): string | undefined {
  const keyStart = documentStart + 4 + 1;
  const keyEnd = message.indexOf(0, keyStart);
  if (keyEnd === -1) return undefined;
  return message.toString('utf8', keyStart, keyEnd);
}

/**
 * Splits a byte stream into whole messages. Chunks are kept in a list and joined once
 * per message, so a 16 MB batch arriving in 64 KB chunks is copied once, not 256 times.
 */
export class MessageFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Buffer[] {
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
    return this.chunks[0]!.readInt32LE(0);
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
