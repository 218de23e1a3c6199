import { AppError, DependencyUnavailableError } from '@support-center/service-kit';
import type { CloudEvent, Outbox } from '@support-center/events';
import type { Connection } from 'mongoose';
import type { FileType } from '../domain/file-types';

/** The collection of file metadata; its documents carry their pending events (`_outbox`). */
export const FILES_COLLECTION = 'files';

/** One stored file; the object's key in the bucket is its id. */
export interface FileRecord {
  _id: string;
  name: string;
  size: number;
  sha256: string;
  contentType: string;
  fileType: FileType;
  ticketId: string;
  uploaderId: string;
  createdAt: Date;
  /** Set when deleted: the document stays as a tombstone carrying the file.deleted event. */
  deletedAt?: Date;
  deletedBy?: string;
}

export interface FileRepository {
  /** Inserts the metadata and its file.uploaded event in one write. */
  insert(record: FileRecord, event: CloudEvent): Promise<void>;
  /** A file that is not deleted. */
  find(id: string): Promise<FileRecord | undefined>;
  /** Marks the file deleted with its file.deleted event in one write; false if already gone. */
  markDeleted(id: string, deletedBy: string, event: CloudEvent): Promise<boolean>;
}

/** The document as stored: the record and its pending events. */
type StoredFile = FileRecord & { _outbox?: string[] };

const LIVE = { deletedAt: { $exists: false } } as const;

/** The file metadata, written with its events through `outbox` (which wakes the relay). */
export function createFileRepository(connection: Connection, outbox: Outbox): FileRepository {
  const files = () => connection.collection<StoredFile>(FILES_COLLECTION);

  return {
    async insert(record, event) {
      await guard(() => outbox.insertOne(files(), record, [event]));
    },
    async find(id) {
      const doc = await guard(() => files().findOne({ _id: id, ...LIVE }));
      return doc ?? undefined;
    },
    async markDeleted(id, deletedBy, event) {
      const result = await guard(() =>
        outbox.updateOne(files(), { _id: id, ...LIVE }, { $set: { deletedAt: new Date(), deletedBy } }, [
          event,
        ]),
      );
      return result.matchedCount > 0;
    },
  };
}

/** Database failures are the database's unavailability, never the client's fault. */
export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new DependencyUnavailableError('The file database', error);
  }
}
