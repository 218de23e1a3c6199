import { CreateBucketCommand, HeadBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { keepTrying, type Dependency, type Logger } from '@support-center/service-kit';
import type { FileConfig } from '../config';
import { measureOperation, type ObjectStoreMetrics } from './metrics';

export interface BucketDependency extends Dependency {
  readonly client: S3Client;
  readonly bucket: string;
}

/** The object store bucket the file service owns; created when missing. */
export function bucketDependency(
  config: FileConfig,
  logger: Logger,
  metrics: ObjectStoreMetrics,
): BucketDependency {
  const client = new S3Client({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: config.S3_ACCESS_KEY, secretAccessKey: config.S3_SECRET_KEY },
    maxAttempts: 1,
  });
  const bucket = config.S3_BUCKET;
  const stop = keepTrying(() => ensureBucket(client, bucket, metrics, logger), {
    what: 'object store',
    logger,
  });

  return {
    name: 's3',
    required: true,
    client,
    bucket,
    async check() {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    },
    async close() {
      stop();
      client.destroy();
    },
  };
}

async function ensureBucket(
  client: S3Client,
  bucket: string,
  metrics: ObjectStoreMetrics,
  logger: Logger,
): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!(error instanceof S3ServiceException) || error.$metadata.httpStatusCode !== 404) throw error;
    const done = measureOperation(metrics, 'create_bucket', logger);
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      done('success');
      logger.info({ bucket }, 'bucket created');
    } catch (createError) {
      done('error');
      throw createError;
    }
  }
}
