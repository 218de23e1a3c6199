import { baseConfigSchema, loadConfig } from '@support-center/service-kit';

const schema = baseConfigSchema({ port: 8004, mongoDb: 'realtime' });

export type RealtimeConfig = ReturnType<typeof loadRealtimeConfig>;

export function loadRealtimeConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(schema, env);
}
