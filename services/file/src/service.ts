import { kafkaDependency, mongoDependency, startService } from '@support-center/service-kit';
import type { Telemetry } from '@support-center/telemetry';
import { loadFileConfig } from './config';
import { bucketDependency } from './store/bucket';

export function start(telemetry: Telemetry) {
  const config = loadFileConfig();
  return startService({
    name: 'file',
    config,
    telemetry,
    dependencies: ({ logger }) => [
      mongoDependency({ url: config.MONGO_URL, dbName: config.MONGO_DB, logger, metrics: telemetry.metrics }),
      kafkaDependency({ brokers: config.KAFKA_BROKERS, clientId: 'file', logger }),
      bucketDependency(config, logger),
    ],
  });
}
