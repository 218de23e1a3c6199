import { baseConfigSchema, loadConfig } from '@support-center/service-kit';

const schema = baseConfigSchema({ port: 8001, mongoDb: 'tickets' });

export type TicketConfig = ReturnType<typeof loadTicketConfig>;

export function loadTicketConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(schema, env);
}
