import { createServer, connect, type Server, type Socket } from 'node:net';
import { getFreePort, waitFor } from '@support-center/testing';
import { createLogger, kafkaDependency, mongoDependency, type Dependency } from '../src';

const logger = createLogger({ service: 'test', level: 'silent' });

/** A TCP port that refuses connections until `open()`, then forwards them to the real engine. */
async function lateForwarder(target: { host: string; port: number }) {
  const port = await getFreePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  return {
    port,
    open: () =>
      new Promise<void>((listening) => {
        server = createServer((client) => {
          const upstream = connect(target.port, target.host);
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('error', () => s.destroy());
            s.on('close', () => sockets.delete(s));
          }
          client.pipe(upstream).pipe(client);
        }).listen(port, '127.0.0.1', () => listening());
      }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((closed) => (server ? server.close(closed) : closed(undefined)));
    },
  };
}

async function isUp(dependency: Dependency): Promise<boolean> {
  return dependency.check().then(
    () => true,
    () => false,
  );
}

function hostPort(address: string): { host: string; port: number } {
  const [host = '127.0.0.1', port = '0'] =
    address
      .replace(/^mongodb:\/\//, '')
      .split('/')[0]
      ?.split(':') ?? [];
  return { host, port: Number(port) };
}

describe('dependencies', () => {
  it('MongoDB: reported down while unreachable, picked up when it appears', async () => {
    const forwarder = await lateForwarder(hostPort(process.env.MONGO_URL ?? ''));
    const mongo = mongoDependency({
      url: `mongodb://127.0.0.1:${forwarder.port}`,
      dbName: 'kit_dependencies',
      logger,
    });
    try {
      expect(await isUp(mongo)).toBe(false);
      await forwarder.open();
      await waitFor(() => isUp(mongo), { timeoutMs: 20_000 });
      await mongo.connection.collection('probe').insertOne({ at: new Date() });
      expect(await mongo.connection.collection('probe').countDocuments()).toBeGreaterThan(0);
    } finally {
      await mongo.close();
      await forwarder.close();
    }
  });

  it('Kafka: reported down while unreachable, picked up when it appears', async () => {
    const broker = process.env.KAFKA_BROKERS?.split(',')[0] ?? '';
    const forwarder = await lateForwarder(hostPort(broker));
    const kafka = kafkaDependency({ brokers: [`127.0.0.1:${forwarder.port}`], clientId: 'kit-test', logger });
    try {
      expect(await isUp(kafka)).toBe(false);
      await forwarder.open();
      await waitFor(() => isUp(kafka), { timeoutMs: 20_000 });
    } finally {
      await kafka.close();
      await forwarder.close();
    }
  });
});
