import { baseConfigSchema, loadConfig } from '@support-center/service-kit';

const schema = baseConfigSchema({ port: 8002, mongoDb: 'auth' });

export type AuthConfig = ReturnType<typeof loadAuthConfig>;

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(schema, env);
}
