import request from 'supertest';
import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import { baseConfigSchema, createApp, createLogger, DependencyChecker, loadConfig } from '../src';

const logger = createLogger({ service: 'test', level: 'silent' });
const schema = baseConfigSchema({ port: 8001, mongoDb: 'tickets' });

/** An app built from the configuration a service would load from `env`, echoing the client address it sees. */
function appFrom(telemetry: Telemetry, env: Record<string, string>) {
  return createApp({
    config: loadConfig(schema, env),
    telemetry,
    logger,
    dependencies: new DependencyChecker([]),
    routes: (app) => {
      app.post('/whoami', (req, res) => {
        res.json({ ip: req.ip });
      });
    },
  });
}

// Headers a client may send to choose the address a service rate-limits and locks out by.
const SPOOFED = ['203.0.113.7', '10.0.0.1', '127.0.0.1', '203.0.113.7, 198.51.100.2', '::1', 'unknown'];

describe('which client address a service believes (TRUST_PROXY)', () => {
  let telemetry: Telemetry;
  beforeAll(() => {
    telemetry = startTelemetry({ serviceName: 'test', serviceVersion: '0.0.0', env: {} });
  });
  afterAll(() => telemetry.shutdown());

  it('trusts no forwarder by default', () => {
    expect(loadConfig(schema, {}).TRUST_PROXY).toBe(false);
  });

  it.each(SPOOFED)('by default ignores a client-sent X-Forwarded-For of %j', async (forwarded) => {
    const app = appFrom(telemetry, {});
    const plain = await request(app).post('/whoami').expect(200);
    const spoofed = await request(app).post('/whoami').set('X-Forwarded-For', forwarded).expect(200);
    expect(spoofed.body.ip).toBe(plain.body.ip);
  });

  it('by default keeps a client that rotates X-Forwarded-For inside the write rate limit', async () => {
    const app = appFrom(telemetry, { WRITE_RATE_LIMIT: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await request(app)
        .post('/whoami')
        .set('X-Forwarded-For', `203.0.113.${i + 1}`);
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it('believes the header only from the forwarders TRUST_PROXY names', async () => {
    const behindLoopback = appFrom(telemetry, { TRUST_PROXY: 'loopback' });
    const forwarded = await request(behindLoopback).post('/whoami').set('X-Forwarded-For', '203.0.113.7');
    expect(forwarded.body.ip).toBe('203.0.113.7');

    const behindGateway = appFrom(telemetry, { TRUST_PROXY: '172.30.0.0/24' });
    const direct = await request(behindGateway).post('/whoami').set('X-Forwarded-For', '203.0.113.7');
    expect(direct.body.ip).not.toBe('203.0.113.7');
  });
});
