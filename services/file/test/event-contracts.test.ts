import { eventFixture, type CloudEvent } from '@support-center/events';
import type { FileRecord } from '../src/store/files';
import { fileDeleted, fileUploaded } from '../src/events/file-events';

/**
 * The file service's events against the contracts' fixtures (libs/events/fixtures), the same files
 * the consumers' tests feed their handlers: the record a fixture describes must give exactly its
 * data, source and schema version.
 */
const uploaded = eventFixture('file.uploaded');
const deleted = eventFixture('file.deleted');

const record: FileRecord = {
  _id: uploaded.data.fileId,
  name: uploaded.data.name,
  size: uploaded.data.size,
  sha256: uploaded.data.sha256,
  contentType: uploaded.data.contentType,
  fileType: 'image',
  ticketId: uploaded.data.ticketId,
  uploaderId: uploaded.data.uploaderId,
  createdAt: new Date(uploaded.time),
};

const contractView = ({ source, type, dataschema, data }: CloudEvent) => ({
  source,
  type,
  dataschema,
  data,
});

describe('the file service publishes its events as their contracts describe', () => {
  it('file.uploaded', () => {
    expect(contractView(fileUploaded(record))).toEqual(contractView(uploaded));
  });

  it('file.deleted', () => {
    expect(contractView(fileDeleted(record, deleted.data.deletedBy))).toEqual(contractView(deleted));
  });
});
