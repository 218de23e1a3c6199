import { kafkaDependency, mongoDependency, startService } from '@support-center/service-kit';
import type { Telemetry } from '@support-center/telemetry';
import { loadTicketConfig } from './config';

export function start(telemetry: Telemetry) {
  const config = loadTicketConfig();
  return startService({
    name: 'ticket',
    config,
    telemetry,
    dependencies: ({ logger }) => [
      mongoDependency({ url: config.MONGO_URL, dbName: config.MONGO_DB, logger, metrics: telemetry.metrics }),
      kafkaDependency({ brokers: config.KAFKA_BROKERS, clientId: 'ticket', logger }),
    ],
  });
}
