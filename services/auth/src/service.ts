import { kafkaDependency, mongoDependency, startService } from '@support-center/service-kit';
import type { Telemetry } from '@support-center/telemetry';
import { loadAuthConfig } from './config';

export function start(telemetry: Telemetry) {
  const config = loadAuthConfig();
  return startService({
    name: 'auth',
    config,
    telemetry,
    dependencies: ({ logger }) => [
      mongoDependency({ url: config.MONGO_URL, dbName: config.MONGO_DB, logger }),
      kafkaDependency({ brokers: config.KAFKA_BROKERS, clientId: 'auth', logger }),
    ],
  });
}
