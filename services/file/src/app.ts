import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Express, Request, RequestHandler } from 'express';
import {
  AppError,
  NotFoundError,
  serveOpenApi,
  type AuthUser,
  type JwtAuth,
  type Logger,
} from '@support-center/service-kit';
import type { Instruments } from '@support-center/telemetry';
import { canDelete, canRead } from './domain/access';
import { contentDisposition } from './domain/file-name';
import { parseRange } from './domain/range';
import { sizeBucket } from './domain/size-bucket';
import { fileDeleted, fileUploaded } from './events/file-events';
import type { FileMeta, UploadedFile } from './http/api-schemas';
import { readUpload } from './http/multipart';
import { fileOpenApiDocument } from './http/openapi';
import { streamFile, type StreamedFile } from './http/stream-file';
import { ticketGate } from './http/ticket-gate';
import type { FileRecord, FileRepository } from './store/files';
import type { ObjectStore } from './store/objects';
import type { TicketAccessProjection } from './store/tickets';

export interface FileRoutesOptions {
  auth: JwtAuth;
  files: FileRepository;
  objects: ObjectStore;
  tickets: TicketAccessProjection;
  metrics: Pick<
    Instruments,
    'file_uploads_total' | 'file_upload_duration_seconds' | 'file_upload_size_bytes'
  >;
  logger: Logger;
  maxBytes: number;
  nameMaxBytes: number;
  /** How long an upload waits for a ticket this service has not heard of before the 404. */
  unknownTicketWaitMs: number;
  /** The service's version, in its OpenAPI document. */
  version: string;
}

/** The public shape of a file (docs/architecture.md, "API shapes"). */
function metaOf(file: FileRecord): FileMeta {
  return {
    id: file._id,
    name: file.name,
    size: file.size,
    sha256: file.sha256,
    contentType: file.contentType,
    ticketId: file.ticketId,
    uploaderId: file.uploaderId,
    createdAt: file.createdAt.toISOString(),
  };
}

/** Mounts `/api/v1/files`: upload, download (with ranges), metadata and delete. */
export function fileRoutes(options: FileRoutesOptions): (app: Express) => void {
  const { auth, files, objects, tickets, metrics, logger, maxBytes, nameMaxBytes } = options;
  const admit = ticketGate({ tickets, unknownTicketWaitMs: options.unknownTicketWaitMs });

  const upload: RequestHandler = async (req, res) => {
    const started = performance.now();
    const user = req.user as AuthUser;
    const id = randomUUID();
    const stored = await readUpload<StreamedFile>(req, {
      onFile: async (part) => {
        await admit(user, part.ticketId, part.signal);
        return streamFile({ part, key: id, objects, maxBytes, nameMaxBytes });
      },
      undo: (file) => objects.remove(file.key),
    });

    const record: FileRecord = {
      _id: id,
      name: stored.name,
      size: stored.size,
      sha256: stored.sha256,
      contentType: stored.contentType,
      fileType: stored.fileType,
      ticketId: stored.ticketId,
      uploaderId: user.id,
      createdAt: new Date(),
    };
    try {
      await files.insert(record, fileUploaded(record));
    } catch (error) {
      // No metadata, so no object either.
      await objects
        .remove(id)
        .catch((cleanup: unknown) =>
          logger.error({ err: cleanup, fileId: id }, 'removing the object of a failed upload failed'),
        );
      throw error;
    }
    recordUpload(record, (performance.now() - started) / 1000);
    res.status(201).json({
      id,
      name: record.name,
      size: record.size,
      sha256: record.sha256,
      contentType: record.contentType,
      ticketId: record.ticketId,
    } satisfies UploadedFile);
  };

  function recordUpload(file: FileRecord, seconds: number): void {
    try {
      metrics.file_uploads_total.add(1, { file_type: file.fileType, size_bucket: sizeBucket(file.size) });
      metrics.file_upload_duration_seconds.record(seconds, { file_type: file.fileType });
      metrics.file_upload_size_bytes.record(file.size, { file_type: file.fileType });
    } catch (error) {
      logger.warn({ err: error }, 'recording upload metrics failed');
    }
  }

  /**
   * The file, when the user may read it. Absent, deleted and someone else's files are all the same
   * 404, so file ids cannot be probed.
   */
  async function readable(req: Request): Promise<FileRecord> {
    const file = await files.find(String(req.params.id));
    const user = req.user as AuthUser;
    if (!file || !canRead(user, file, await tickets.requesterOf(file.ticketId)))
      throw new NotFoundError('File');
    return file;
  }

  const download: RequestHandler = async (req, res) => {
    const file = await readable(req);
    const range = parseRange(req.get('range'), file.size);
    if (range === 'unsatisfiable') {
      // The service kit's error catalog has no 416; the body keeps the error contract's shape.
      res
        .status(416)
        .set('Content-Range', `bytes */${file.size}`)
        .json({
          error: {
            code: 'RANGE_NOT_SATISFIABLE',
            message: `The range selects nothing of the file's ${file.size} bytes`,
            details: [{ field: 'Range', message: `must start before byte ${file.size}` }],
          },
        });
      return;
    }
    const object = await objects.get(file._id, range);
    res.status(range ? 206 : 200);
    res.set({
      'Content-Type': file.contentType,
      'Content-Length': String(range ? range.end - range.start + 1 : file.size),
      'Content-Disposition': contentDisposition(file.name),
      'Accept-Ranges': 'bytes',
      ETag: `"${file.sha256}"`,
      'Cache-Control': 'private, no-cache',
      'X-Content-Type-Options': 'nosniff',
      ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${file.size}` } : {}),
    });
    try {
      await pipeline(object.body, res);
      object.finished('success');
    } catch (error) {
      object.finished(res.writableEnded ? 'error' : 'aborted');
      logger.debug({ err: error, fileId: file._id }, 'download cut short');
    }
  };

  const meta: RequestHandler = async (req, res) => {
    res.json(metaOf(await readable(req)));
  };

  const remove: RequestHandler = async (req, res) => {
    const file = await readable(req);
    const user = req.user as AuthUser;
    // Only someone who may see the file learns that deleting it is not theirs to do.
    if (!canDelete(user, file))
      throw new AppError('FORBIDDEN', { message: 'Only the uploader, agents and admins may delete a file' });
    // The object first: removing it again is harmless, so a retry after a failure completes.
    await objects.remove(file._id);
    await files.markDeleted(file._id, user.id, fileDeleted(file, user.id));
    res.status(204).end();
  };

  const openapi = fileOpenApiDocument(options.version);
  return (app) => {
    serveOpenApi(app, openapi);
    const signedIn = auth.requireAuth();
    app.post('/api/v1/files', signedIn, upload);
    app.get('/api/v1/files/:id', signedIn, download);
    app.get('/api/v1/files/:id/meta', signedIn, meta);
    app.delete('/api/v1/files/:id', signedIn, remove);
  };
}
