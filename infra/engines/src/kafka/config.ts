import path from 'node:path';

export interface KafkaConfigInput {
  port: number;
  controllerPort: number;
  logDir: string;
}

/**
 * server.properties for one combined broker + controller (KRaft). Sized for a laptop:
 * the internal topics have one replica (the defaults of 3 would leave
 * __consumer_offsets uncreated on one node), retention is short, and topics are never
 * created implicitly, as in production.
 */
export function serverProperties({ port, controllerPort, logDir }: KafkaConfigInput): string {
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': logDir,
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 4,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // Consumers join at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms': 0,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'log.retention.hours': 24,
    'log.retention.bytes': 256 * 1024 * 1024,
    'log.segment.bytes': 32 * 1024 * 1024,
    // The cleaner otherwise reserves 128 MiB of a small heap.
    'log.cleaner.dedupe.buffer.size': 8 * 1024 * 1024,
  };
  return `${Object.entries(settings)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('\n')}\n`;
}

/**
 * log4j2 in .properties form (the YAML form needs jackson-dataformat-yaml). Warnings and
 * up go to the console; the "Kafka Server started" line is kept at info because
 * readiness is read from it.
 */
export function log4j2Properties(): string {
  return [
    'status = warn',
    // Kafka stops itself on SIGTERM; log4j's own hook would only warn that the JVM is exiting.
    'shutdownHook = disable',
    'appender.console.type = Console',
    'appender.console.name = STDOUT',
    'appender.console.target = SYSTEM_OUT',
    'appender.console.layout.type = PatternLayout',
    'appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n',
    'rootLogger.level = warn',
    'rootLogger.appenderRef.stdout.ref = STDOUT',
    'logger.server.name = kafka.server.KafkaRaftServer',
    'logger.server.level = info',
    // Two warnings of every healthy run: the controller's first activation on an empty (fresh)
    // metadata log, and a client closed twice during a clean stop.
    'logger.controller.name = org.apache.kafka.controller.QuorumController',
    'logger.controller.level = error',
    'logger.networkclient.name = org.apache.kafka.clients.NetworkClient',
    'logger.networkclient.level = error',
    '',
  ].join('\n');
}

export function dataLayout(dataDir: string): {
  logDir: string;
  configFile: string;
  log4jFile: string;
  clusterIdFile: string;
  appLogDir: string;
} {
  return {
    logDir: path.join(dataDir, 'log'),
    configFile: path.join(dataDir, 'server.properties'),
    log4jFile: path.join(dataDir, 'log4j2.properties'),
    clusterIdFile: path.join(dataDir, 'cluster.id'),
    appLogDir: path.join(dataDir, 'app-logs'),
  };
}
