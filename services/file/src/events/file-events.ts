import { createEvent, type CloudEvent } from '@support-center/events';
import type { FileRecord } from '../store/files';

/** The `source` of every event this service publishes. */
export const EVENT_SOURCE = '/support-center/file';

export function fileUploaded(file: FileRecord): CloudEvent<'file.uploaded'> {
  return createEvent(
    'file.uploaded',
    {
      fileId: file._id,
      ticketId: file.ticketId,
      name: file.name,
      size: file.size,
      contentType: file.contentType,
      sha256: file.sha256,
      uploaderId: file.uploaderId,
    },
    { source: EVENT_SOURCE, time: file.createdAt },
  );
}

export function fileDeleted(file: FileRecord, deletedBy: string): CloudEvent<'file.deleted'> {
  return createEvent(
    'file.deleted',
    { fileId: file._id, ticketId: file.ticketId, deletedBy },
    { source: EVENT_SOURCE },
  );
}
