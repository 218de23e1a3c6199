import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Express, Request, RequestHandler } from 'express';
import { AppError, serveOpenApi, type AuthUser, type JwtAuth } from '@support-center/service-kit';
import { contentDisposition } from './domain/file-name';
import { fileUseCases, type FileUseCasesOptions } from './files';
import type { FileMeta, UploadedFile } from './http/api-schemas';
import { readUpload } from './http/multipart';
import { fileOpenApiDocument } from './http/openapi';
import type { StreamedFile } from './http/stream-file';
import type { FileRecord } from './store/files';

export interface FileRoutesOptions extends FileUseCasesOptions {
  auth: JwtAuth;
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

/** The answer to an upload: the file's shape without who uploaded it and when. */
function uploadedOf(file: FileRecord): UploadedFile {
  const { uploaderId: _uploader, createdAt: _created, ...uploaded } = metaOf(file);
  return uploaded;
}

function userOf(req: Request): AuthUser {
  if (!req.user) throw new AppError('INTERNAL', { message: 'requireAuth() did not run' });
  return req.user;
}

/**
 * Mounts `/api/v1/files`: upload, download (with ranges), metadata and delete. The routes only
 * translate HTTP to the use cases (src/files.ts) and back.
 */
export function fileRoutes(options: FileRoutesOptions): (app: Express) => void {
  const files = fileUseCases(options);
  const { logger } = options;
  const id = (req: Request) => String(req.params.id);

  const upload: RequestHandler = async (req, res) => {
    const started = performance.now();
    const user = userOf(req);
    const fileId = randomUUID();
    const stored = await readUpload<StreamedFile>(req, {
      onFile: (part) => files.receive(user, fileId, part),
      undo: (file) => files.discard(file),
    });
    res.status(201).json(uploadedOf(await files.complete(user, stored, started)));
  };

  const download: RequestHandler = async (req, res) => {
    const { file, range, object } = await files.download(userOf(req), id(req), req.get('range'));
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
    res.json(metaOf(await files.meta(userOf(req), id(req))));
  };

  const remove: RequestHandler = async (req, res) => {
    await files.remove(userOf(req), id(req));
    res.status(204).end();
  };

  const openapi = fileOpenApiDocument(options.version);
  return (app) => {
    serveOpenApi(app, openapi);
    const signedIn = options.auth.requireAuth();
    app.post('/api/v1/files', signedIn, upload);
    app.get('/api/v1/files/:id', signedIn, download);
    app.get('/api/v1/files/:id/meta', signedIn, meta);
    app.delete('/api/v1/files/:id', signedIn, remove);
  };
}
