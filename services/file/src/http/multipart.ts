import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import { AppError, ValidationError } from '@support-center/service-kit';
import { uploadTicketId } from './api-schemas';

/** The form of an upload: `ticketId` first, then `file` (like S3's POST uploads, the file goes last). */
export const FORM_FIELDS = { ticketId: 'ticketId', file: 'file' } as const;

export interface FilePart {
  ticketId: string;
  /** The name the client gave, untrusted. */
  filename: string | undefined;
  stream: Readable;
  /** Aborted once the form has failed (malformed body, client gone): work for it may stop. */
  signal: AbortSignal;
}

export interface MultipartOptions<T> {
  /** Consumes the file part; its result is what `readUpload` resolves with. */
  onFile(part: FilePart): Promise<T>;
  /** Undoes `onFile`'s effect when the form turns out broken after the file was handled. */
  undo(result: T): Promise<void>;
}

/**
 * Reads a multipart upload form as a stream: `ticketId` is validated when it arrives, the file
 * part is handed to `onFile` as it streams in, and nothing is buffered here. On a failure, the
 * rest of the request body is read and dropped so the client still gets the answer.
 */
export function readUpload<T>(req: Request, options: MultipartOptions<T>): Promise<T> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: { files: 1, fields: 4, parts: 6, fieldNameSize: 64, fieldSize: 1024 },
    });
  } catch (error) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
      message: 'The body must be multipart/form-data with the fields ticketId and file',
      details: [{ field: 'body', message: 'must be multipart/form-data' }],
      cause: error,
    });
  }

  let handling: Promise<T> | undefined;
  const failed = new AbortController();
  const reading = new Promise<T>((resolve, reject) => {
    let ticketId: string | undefined;
    let fileStream: Readable | undefined;
    let settled = false;

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      // Stop parsing and drop the rest of the body, so the answer can go out now.
      req.unpipe(parser);
      parser.removeAllListeners('file');
      // A file part cut short must end its handler, which would otherwise wait for more bytes.
      // Its reader sees a premature close (the part's errors are already listened to).
      if (fileStream && !fileStream.destroyed) fileStream.destroy();
      failed.abort(error);
      req.resume();
      reject(error);
    };
    const malformed = (error: unknown) =>
      new AppError('BAD_REQUEST', { message: 'The multipart body is malformed or incomplete', cause: error });

    parser.on('field', (name, value, info) => {
      if (name !== FORM_FIELDS.ticketId) return;
      const parsed = uploadTicketId.safeParse(value);
      if (info.valueTruncated || !parsed.success) {
        fail(
          new ValidationError([
            { field: 'ticketId', message: 'must be a ticket id (letters, digits, _ or -)' },
          ]),
        );
        return;
      }
      ticketId = value;
    });

    parser.on('file', (name, stream, info) => {
      // busboy fails a part's stream when the body ends inside it, possibly before anyone reads it
      // (the handler first looks the ticket up): an 'error' nobody listens to would end the process.
      stream.on('error', (error) => fail(malformed(error)));
      if (name !== FORM_FIELDS.file) {
        stream.resume();
        fail(
          new ValidationError([{ field: name, message: 'unexpected file field; send the file as "file"' }]),
        );
        return;
      }
      if (!ticketId) {
        stream.resume();
        fail(
          new ValidationError([
            { field: 'ticketId', message: 'is required, and must come before the file in the form' },
          ]),
        );
        return;
      }
      fileStream = stream;
      handling = options.onFile({ ticketId, filename: info.filename, stream, signal: failed.signal });
      handling.catch(fail);
    });

    parser.on('filesLimit', () =>
      fail(new ValidationError([{ field: 'file', message: 'only one file per upload' }])),
    );
    parser.on('error', (error) => fail(malformed(error)));
    // A client gone before the end of its body: the parser would wait for the rest forever.
    req.on('close', () => {
      if (!req.complete) fail(malformed(new Error('the request was closed before its body ended')));
    });

    parser.on('close', () => {
      if (settled) return;
      if (!handling) {
        fail(new ValidationError([{ field: 'file', message: 'is required' }]));
        return;
      }
      handling.then((result) => {
        if (settled) return;
        settled = true;
        resolve(result);
      }, fail);
    });

    req.pipe(parser);
  });
  return reading.catch(async (error: unknown) => {
    // A file already stored by a form that broke afterwards must not stay behind.
    const result = await handling?.catch(() => undefined);
    if (result !== undefined) await options.undo(result).catch(() => undefined);
    throw error;
  });
}
