import { baseConfigSchema, loadConfig, positiveInt } from '@support-center/service-kit';
import { z } from 'zod';

/** S3 refuses multipart parts under 5 MiB (except the last one). */
const MIN_PART_SIZE = 5 * 1024 * 1024;

const schema = baseConfigSchema({ port: 8003, mongoDb: 'files' }).extend({
  S3_ENDPOINT: z
    .url({ message: 'must be a URL such as http://127.0.0.1:9000' })
    .default('http://127.0.0.1:9000'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name')
    .default('support-center-files'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY: z.string().min(1).default('S3RVER'),
  S3_SECRET_KEY: z.string().min(1).default('S3RVER'),
  /** Size of one multipart part; memory held per upload is about S3_UPLOAD_QUEUE_SIZE + 1 parts. */
  S3_PART_SIZE_BYTES: positiveInt
    .min(MIN_PART_SIZE, `must be at least ${MIN_PART_SIZE} (5 MiB)`)
    .default(MIN_PART_SIZE),
  S3_UPLOAD_QUEUE_SIZE: positiveInt.max(16).default(2),
  AUTH_JWKS_URL: z
    .url({ message: 'must be the auth service JWKS URL, such as http://auth:8002/.well-known/jwks.json' })
    .default('http://127.0.0.1:8002/.well-known/jwks.json'),
  /**
   * How often this instance reloads the access-token revocations its replicas stored; a revoked
   * token is refused everywhere at most about this long after the first replica heard of it.
   */
  REVOCATION_REFRESH_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  /** Largest accepted file, enforced while streaming (413 beyond). */
  FILE_MAX_BYTES: positiveInt.default(25 * 1024 * 1024),
  /** Longest stored file name, in UTF-8 bytes (the extension is kept when shortening). */
  FILE_NAME_MAX_BYTES: positiveInt.min(16).max(1024).default(255),
  /**
   * How long an upload to a ticket this service has not heard of waits for the ticket's event
   * (a frontend uploads right after creating the ticket) before it is refused with 404.
   */
  FILE_UNKNOWN_TICKET_WAIT_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int()
    .min(0)
    .max(30_000, 'must be at most 30000 (an upload holds its connection while waiting)')
    .default(2_000),
  OUTBOX_POLL_INTERVAL_MS: positiveInt.default(1_000),
});

export type FileConfig = ReturnType<typeof loadFileConfig>;

export function loadFileConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(schema, env);
}
