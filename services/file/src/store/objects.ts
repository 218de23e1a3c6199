import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DependencyUnavailableError, NotFoundError, type Logger } from '@support-center/service-kit';
import type { ByteRange } from '../domain/range';
import { measureOperation, type ObjectStatus, type ObjectStoreMetrics } from './metrics';

export interface ObjectStoreOptions {
  client: S3Client;
  bucket: string;
  metrics: ObjectStoreMetrics;
  logger: Logger;
  /** Bytes per multipart part (≥ 5 MiB); an upload holds about queueSize + 1 parts in memory. */
  partSize: number;
  queueSize: number;
}

export interface PutOptions {
  key: string;
  body: Readable;
  contentType: string;
  /** Set when the caller stopped the body on purpose: the upload then counts as `aborted`. */
  stoppedOnPurpose: () => boolean;
}

export interface ObjectDownload {
  body: Readable;
  /** Records the download once the body was sent (`success`) or cut (`aborted`, `error`). */
  finished(status: ObjectStatus): void;
}

export interface ObjectStore {
  /** Streams `body` into the bucket (multipart beyond one part); 503 when the store fails. */
  put(options: PutOptions): Promise<void>;
  /** Opens the object (or a range of it); 404 when it is gone, 503 when the store fails. */
  get(key: string, range?: ByteRange): Promise<ObjectDownload>;
  /** Removes the object; removing a missing object succeeds. */
  remove(key: string): Promise<void>;
}

const UNAVAILABLE = 'The object store';

/** The bucket's objects, each operation counted in the minio_* families. */
export function createObjectStore(options: ObjectStoreOptions): ObjectStore {
  const { client, bucket, metrics, logger, partSize, queueSize } = options;

  return {
    async put({ key, body, contentType, stoppedOnPurpose }) {
      const done = measureOperation(metrics, 'upload', logger);
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
        partSize,
        queueSize,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
        done('success');
      } catch (error) {
        if (stoppedOnPurpose()) {
          done('aborted');
          throw error;
        }
        done('error');
        throw new DependencyUnavailableError(UNAVAILABLE, error);
      }
    },

    async get(key, range) {
      const done = measureOperation(metrics, 'download', logger);
      try {
        const result = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        );
        return { body: result.Body as Readable, finished: done };
      } catch (error) {
        done('error');
        if (isMissing(error)) throw new NotFoundError('File content');
        throw new DependencyUnavailableError(UNAVAILABLE, error);
      }
    },

    async remove(key) {
      const done = measureOperation(metrics, 'delete', logger);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        done('success');
      } catch (error) {
        done('error');
        throw new DependencyUnavailableError(UNAVAILABLE, error);
      }
    },
  };
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404)
  );
}
