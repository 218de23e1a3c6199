import { baseConfigSchema, loadConfig } from '@support-center/service-kit';
import { z } from 'zod';

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
});

export type FileConfig = ReturnType<typeof loadFileConfig>;

export function loadFileConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(schema, env);
}
