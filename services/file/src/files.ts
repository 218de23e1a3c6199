import {
  AppError,
  loggedMetricGuard,
  NotFoundError,
  type AuthUser,
  type Logger,
} from '@support-center/service-kit';
import type { Instruments } from '@support-center/telemetry';
import { canDelete, canRead } from './domain/access';
import { parseRange, type ByteRange } from './domain/range';
import { sizeBucket } from './domain/size-bucket';
import { fileDeleted, fileUploaded } from './events/file-events';
import type { FilePart } from './http/multipart';
import { streamFile, type StreamedFile } from './http/stream-file';
import { ticketGate } from './http/ticket-gate';
import type { FileRecord, FileRepository } from './store/files';
import type { ObjectDownload, ObjectStore } from './store/objects';
import type { TicketAccessProjection } from './store/tickets';

export type FileMetrics = Pick<
  Instruments,
  'file_uploads_total' | 'file_upload_duration_seconds' | 'file_upload_size_bytes'
>;

export interface FileUseCasesOptions {
  files: FileRepository;
  objects: ObjectStore;
  tickets: TicketAccessProjection;
  metrics: FileMetrics;
  logger: Logger;
  maxBytes: number;
  nameMaxBytes: number;
  /** How long an upload waits for a ticket this service has not heard of before the 404. */
  unknownTicketWaitMs: number;
}

/** A file to send: its record, the part of it asked for (none: all of it) and its content. */
export interface FileDownload {
  file: FileRecord;
  range: ByteRange | undefined;
  object: ObjectDownload;
}

/**
 * What can be done with files, whoever asks through whichever protocol: who may, the writes, the
 * clean-up after a failed write and the metrics. The HTTP routes only translate to these.
 */
export function fileUseCases(options: FileUseCasesOptions) {
  const { files, objects, tickets, metrics, logger, maxBytes, nameMaxBytes } = options;
  const admit = ticketGate({ tickets, unknownTicketWaitMs: options.unknownTicketWaitMs });
  const safely = loggedMetricGuard(logger, 'upload');

  /**
   * The file, when the user may read it. Absent, deleted and someone else's files are all the same
   * 404, so file ids cannot be probed.
   */
  async function readable(user: AuthUser, id: string): Promise<FileRecord> {
    const file = await files.find(id);
    if (!file || !canRead(user, file, await tickets.requesterOf(file.ticketId)))
      throw new NotFoundError('File');
    return file;
  }

  return {
    /**
     * Streams an upload's file part into the bucket under `id`, once the user may attach to the
     * part's ticket (an unknown ticket is waited for briefly, then the same 404 as another's).
     */
    async receive(user: AuthUser, id: string, part: FilePart): Promise<StreamedFile> {
      await admit(user, part.ticketId, part.signal);
      return streamFile({ part, key: id, objects, maxBytes, nameMaxBytes });
    },

    /** Removes the object of an upload that did not complete. */
    discard(stored: Pick<StreamedFile, 'key'>): Promise<void> {
      return objects.remove(stored.key);
    },

    /**
     * Records a stored object as the user's file, with its file.uploaded event in the same write.
     * When that write fails the object is removed (no metadata, so no object either).
     */
    async complete(user: AuthUser, stored: StreamedFile, startedAt: number): Promise<FileRecord> {
      const record: FileRecord = {
        _id: stored.key,
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
        await objects
          .remove(stored.key)
          .catch((cleanup: unknown) =>
            logger.error(
              { err: cleanup, fileId: stored.key },
              'removing the object of a failed upload failed',
            ),
          );
        throw error;
      }
      const seconds = (performance.now() - startedAt) / 1000;
      safely(() => {
        metrics.file_uploads_total.add(1, {
          file_type: record.fileType,
          size_bucket: sizeBucket(record.size),
        });
        metrics.file_upload_duration_seconds.record(seconds, { file_type: record.fileType });
        metrics.file_upload_size_bytes.record(record.size, { file_type: record.fileType });
      });
      return record;
    },

    /** The metadata of a file the user may read. */
    meta: readable,

    /**
     * A file the user may read, whole or the byte range `rangeHeader` asks for; a range that
     * selects nothing is a 416 naming the file's size.
     */
    async download(user: AuthUser, id: string, rangeHeader: string | undefined): Promise<FileDownload> {
      const file = await readable(user, id);
      const range = parseRange(rangeHeader, file.size);
      if (range === 'unsatisfiable') {
        throw new AppError('RANGE_NOT_SATISFIABLE', {
          message: `The range selects nothing of the file's ${file.size} bytes`,
          details: [{ field: 'Range', message: `must start before byte ${file.size}` }],
          headers: { 'Content-Range': `bytes */${file.size}` },
        });
      }
      return { file, range, object: await objects.get(file._id, range) };
    },

    /** Deletes a file: the uploader, agents and admins may; its file.deleted event goes with the write. */
    async remove(user: AuthUser, id: string): Promise<void> {
      const file = await readable(user, id);
      // Only someone who may see the file learns that deleting it is not theirs to do.
      if (!canDelete(user, file))
        throw new AppError('FORBIDDEN', {
          message: 'Only the uploader, agents and admins may delete a file',
        });
      // The object first: removing it again is harmless, so a retry after a failure completes.
      await objects.remove(file._id);
      await files.markDeleted(file._id, user.id, fileDeleted(file, user.id));
    },
  };
}

export type FileUseCases = ReturnType<typeof fileUseCases>;
