import { createServer, connect, type Server, type Socket } from 'node:net';
import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import { getFreePort, parseExposition, sampleValue, testNamespace, waitFor } from '@support-center/testing';
import express from 'express';
import request from 'supertest';
import { createLogger, CursorBeforeConnectionError, kafkaDependency, mongoDependency } from '../src';
import { hostPort, isUp } from './dependency-support';

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

  it('MongoDB: a cursor asked for before the first connection fails at once, and leaves nothing behind', async () => {
    // Mongoose handed back a promise for find() here; the promise nobody held rejected ten seconds
    // later ("buffering timed out") as an unhandled rejection, which ends a service.
    const forwarder = await lateForwarder(hostPort(process.env.MONGO_URL ?? ''));
    const mongo = mongoDependency({
      url: `mongodb://127.0.0.1:${forwarder.port}`,
      dbName: 'kit_dependencies',
      logger,
    });
    const sessions = () => mongo.connection.collection('sessions');
    try {
      for (const ask of [
        () => sessions().find({}).limit(1),
        () => sessions().aggregate([{ $match: {} }]),
        () => sessions().listIndexes(),
      ]) {
        expect(ask).toThrow(CursorBeforeConnectionError);
      }
      // Calls that return a promise still wait for the connection, and are answered once it opens.
      const counted = sessions().countDocuments({});
      await forwarder.open();
      await expect(counted).resolves.toBeGreaterThanOrEqual(0);
      await expect(sessions().find({}).limit(1).toArray()).resolves.toEqual(expect.any(Array));
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

  describe('MongoDB metrics', () => {
    // One SDK per process: a second startTelemetry would not own the global meter provider.
    let telemetry: Telemetry;
    beforeAll(() => {
      telemetry = startTelemetry({ serviceName: 'kit-test', serviceVersion: '0', env: {} });
    });
    afterAll(() => telemetry.shutdown());

    it('MongoDB: feeds the db_* families from pool and command monitoring', async () => {
      const mongo = mongoDependency({
        url: process.env.MONGO_URL ?? '',
        dbName: testNamespace('kit-db-metrics').database(),
        logger,
        metrics: telemetry.metrics,
      });
      try {
        await waitFor(() => isUp(mongo), { timeoutMs: 20_000 });
        const probes = mongo.connection.collection('probes');
        await probes.insertOne({ n: 1 });
        await probes.findOne({ n: 1 });
        await expect(
          mongo.connection.collection('probes').insertOne({ _id: 'x' as never }),
        ).resolves.toMatchObject({ acknowledged: true, insertedId: 'x' });
        await expect(
          mongo.connection.collection('probes').insertOne({ _id: 'x' as never }),
        ).rejects.toThrow();

        const app = express().get('/metrics', (req, res) => telemetry.metricsHandler?.(req, res));
        const families = parseExposition((await request(app).get('/metrics')).text);
        const insert = { query_type: 'insert', table: 'probes' };
        expect(sampleValue(families, 'db_queries_total', { ...insert, status: 'success' })).toBe(2);
        expect(sampleValue(families, 'db_queries_total', { ...insert, status: 'error' })).toBe(1);
        expect(
          sampleValue(families, 'db_queries_total', {
            query_type: 'find',
            table: 'probes',
            status: 'success',
          }),
        ).toBe(1);
        expect(sampleValue(families, 'db_query_duration_seconds_count', insert)).toBe(3);
        expect(sampleValue(families, 'db_pool_size')).toBe(100);
        expect(sampleValue(families, 'db_pool_connections_open')).toBeGreaterThanOrEqual(1);
        expect(sampleValue(families, 'db_pool_checked_out')).toBe(0);
        expect(sampleValue(families, 'db_pool_overflow')).toBe(0);
        expect(sampleValue(families, 'db_pool_checkouts_total')).toBeGreaterThanOrEqual(4);
        expect(families.get('db_queries_total')?.samples.some((s) => s.labels.query_type === 'hello')).toBe(
          false,
        );
      } finally {
        await mongo.close();
      }
    });

    it('MongoDB: reports the configured pool maximum as db_pool_size, however few connections are open', async () => {
      const mongo = mongoDependency({
        url: process.env.MONGO_URL ?? '',
        dbName: testNamespace('kit-db-pool').database(),
        logger,
        metrics: telemetry.metrics,
        maxPoolSize: 7,
      });
      try {
        await waitFor(() => isUp(mongo), { timeoutMs: 20_000 });
        expect(mongo.connection.getClient().options.maxPoolSize).toBe(7);
        await mongo.connection.collection('pool_probes').insertOne({ n: 1 });
        const app = express().get('/metrics', (req, res) => telemetry.metricsHandler?.(req, res));
        const families = parseExposition((await request(app).get('/metrics')).text);
        expect(sampleValue(families, 'db_pool_size')).toBe(7);
        expect(sampleValue(families, 'db_pool_connections_open')).toBeGreaterThanOrEqual(1);
        expect(sampleValue(families, 'db_pool_connections_open')).toBeLessThanOrEqual(7);
      } finally {
        await mongo.close();
      }
    });
  });
});
