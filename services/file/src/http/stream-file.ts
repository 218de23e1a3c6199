import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { AppError } from '@support-center/service-kit';
import { detectType } from '../domain/detect-type';
import { decideType, DETECTION_BYTES, type FileType } from '../domain/file-types';
import { extensionOf, sanitizeFileName } from '../domain/file-name';
import type { ObjectStore } from '../store/objects';
import type { FilePart } from './multipart';

export interface StreamFileOptions {
  part: FilePart;
  /** The object key the content is stored under. */
  key: string;
  objects: ObjectStore;
  maxBytes: number;
  nameMaxBytes: number;
}

/** A file stored in the bucket, measured on its way there. */
export interface StreamedFile {
  key: string;
  ticketId: string;
  name: string;
  size: number;
  sha256: string;
  contentType: string;
  fileType: FileType;
}

/**
 * Streams one file part into the object store: the name is sanitized, the type decided from the
 * first bytes before anything is stored (415), then size and sha256 are computed while the bytes
 * flow to the store, and the upload is stopped (413) the moment the size passes `maxBytes`.
 * At most the detection head and the store's parts are in memory at once.
 */
export async function streamFile(options: StreamFileOptions): Promise<StreamedFile> {
  const { part, key, objects, maxBytes, nameMaxBytes } = options;
  const name = sanitizeFileName(part.filename, nameMaxBytes);
  const source = part.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let stopReason: AppError | undefined;
  const next = async (): Promise<IteratorResult<Buffer>> => {
    try {
      return await source.next();
    } catch (error) {
      stopReason ??= new AppError('BAD_REQUEST', { message: 'The upload was interrupted', cause: error });
      throw stopReason;
    }
  };

  const { chunks, ended } = await readHead(next, DETECTION_BYTES);
  const head = Buffer.concat(chunks);
  const decision = decideType(extensionOf(name), await detectType(head), head);
  if (!decision.accepted) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
      message: decision.reason,
      details: [{ field: 'file', message: decision.reason }],
    });
  }

  const hash = createHash('sha256');
  let size = 0;
  const tooLarge = () =>
    new AppError('PAYLOAD_TOO_LARGE', {
      message: `The file is larger than the limit of ${maxBytes} bytes`,
      details: [{ field: 'file', message: `must be at most ${maxBytes} bytes` }],
    });
  async function* measured(): AsyncGenerator<Buffer> {
    const take = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) throw (stopReason ??= tooLarge());
      hash.update(chunk);
      return chunk;
    };
    for (const chunk of chunks) yield take(chunk);
    if (ended) return;
    for (let result = await next(); !result.done; result = await next()) yield take(result.value);
  }

  try {
    await objects.put({
      key,
      body: Readable.from(measured(), { objectMode: false }),
      contentType: decision.contentType,
      stoppedOnPurpose: () => stopReason !== undefined,
    });
  } catch (error) {
    throw stopReason ?? error;
  }
  return {
    key,
    ticketId: part.ticketId,
    name,
    size,
    sha256: hash.digest('hex'),
    contentType: decision.contentType,
    fileType: decision.fileType,
  };
}

/** Reads chunks until `bytes` are in hand or the part ends. */
async function readHead(
  next: () => Promise<IteratorResult<Buffer>>,
  bytes: number,
): Promise<{ chunks: Buffer[]; ended: boolean }> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const result = await next();
    if (result.done) return { chunks, ended: true };
    chunks.push(result.value);
    length += result.value.length;
  }
  return { chunks, ended: false };
}
