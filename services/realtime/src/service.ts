import { kafkaDependency, mongoDependency, startService } from '@support-center/service-kit';
import type { Telemetry } from '@support-center/telemetry';
import { loadRealtimeConfig } from './config';

export function start(telemetry: Telemetry) {
  const config = loadRealtimeConfig();
  return startService({
    name: 'realtime',
    config,
    telemetry,
    dependencies: ({ logger }) => [
      mongoDependency({ url: config.MONGO_URL, dbName: config.MONGO_DB, logger, metrics: telemetry.metrics }),
      kafkaDependency({ brokers: config.KAFKA_BROKERS, clientId: 'realtime', logger }),
    ],
  });
}
