import request from 'supertest';
import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import { parseExposition } from '@support-center/testing';
import {
  AppError,
  createApp,
  createLogger,
  DependencyChecker,
  ValidationError,
  type Dependency,
} from '../src';

const logger = createLogger({ service: 'test', level: 'silent' });

function dependency(name: string, state: { up: boolean }, required = true): Dependency {
  return {
    name,
    required,
    check: async () => {
      if (!state.up) throw new Error(`${name} refused the connection`);
    },
    close: async () => {},
  };
}

function build(
  telemetry: Telemetry,
  dependencies: Dependency[] = [],
  token?: string,
  hardening: { CORS_ORIGINS?: string[]; WRITE_RATE_LIMIT?: number } = {},
) {
  return createApp({
    config: { METRICS_TOKEN: token, JSON_BODY_LIMIT: '1kb', ...hardening },
    telemetry,
    logger,
    dependencies: new DependencyChecker(dependencies),
    routes: (app) => {
      app.post('/echo', (req, res) => {
        res.json(req.body);
      });
      app.get('/invalid', () => {
        throw new ValidationError([{ field: 'title', message: 'is required' }]);
      });
      app.get('/limited', () => {
        throw new AppError('RATE_LIMITED', { headers: { 'Retry-After': '30' } });
      });
      app.get('/trace', (req, res) => {
        res.json({ traceId: (req.log.bindings().trace_id as string | undefined) ?? null });
      });
      app.get('/items/:id', (req, res) => {
        res.json({ id: req.params.id });
      });
      app.get('/bug', () => {
        throw new Error('secret internals');
      });
    },
  });
}

describe('createApp', () => {
  let telemetry: Telemetry;
  beforeAll(() => {
    telemetry = startTelemetry({ serviceName: 'test', serviceVersion: '0', env: {} });
  });
  afterAll(() => telemetry.shutdown());

  describe('error contract', () => {
    it('answers an unknown route with a JSON 404', async () => {
      const res = await request(build(telemetry)).get('/nowhere').expect(404);
      expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'No route for GET /nowhere' } });
    });

    it('answers malformed JSON with a 400, not a 500', async () => {
      const res = await request(build(telemetry))
        .post('/echo')
        .set('Content-Type', 'application/json')
        .send('{"a":')
        .expect(400);
      expect(res.body.error.code).toBe('INVALID_JSON');
    });

    it('answers a body over the limit with a 413', async () => {
      const res = await request(build(telemetry))
        .post('/echo')
        .send({ big: 'x'.repeat(2048) })
        .expect(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('names the fields of a validation error', async () => {
      const res = await request(build(telemetry)).get('/invalid').expect(422);
      expect(res.body.error).toEqual({
        code: 'VALIDATION_FAILED',
        message: 'title: is required',
        details: [{ field: 'title', message: 'is required' }],
      });
    });

    it('sends the headers an error carries', async () => {
      const res = await request(build(telemetry)).get('/limited').expect(429);
      expect(res.headers['retry-after']).toBe('30');
    });

    it('answers a path parameter that is not valid percent-encoding with a 400, not a 500', async () => {
      const res = await request(build(telemetry)).get('/items/%E0%A4%A').expect(400);
      expect(res.body.error).toEqual({
        code: 'BAD_REQUEST',
        message: 'The request path is not valid percent-encoding',
        details: [{ field: 'path', message: 'is not valid percent-encoding' }],
      });
    });

    it('answers a body that does not decode as its Content-Encoding with a 400, not a 500', async () => {
      const res = await request(build(telemetry))
        .post('/echo')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .send('not gzip at all')
        .expect(400);
      expect(res.body).toEqual({ error: { code: 'BAD_REQUEST', message: 'The request is malformed' } });
    });

    it('hides the message of an unexpected error', async () => {
      const res = await request(build(telemetry)).get('/bug').expect(500);
      expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'Internal error' } });
    });

    it('echoes a sane request id and replaces an unsafe one', async () => {
      const app = build(telemetry);
      expect((await request(app).get('/health').set('X-Request-Id', 'abc-123')).headers['x-request-id']).toBe(
        'abc-123',
      );
      const replaced = (await request(app).get('/health').set('X-Request-Id', 'bad id with spaces!')).headers[
        'x-request-id'
      ];
      expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('/health and /ready', () => {
    it('reports each dependency and answers 503 while a required one is down', async () => {
      const mongo = { up: true };
      const optional = { up: false };
      const app = build(telemetry, [dependency('mongodb', mongo), dependency('search', optional, false)]);
      await request(app).get('/health').expect(200, { status: 'ok' });

      const ready = await request(app).get('/ready').expect(200);
      expect(ready.body.dependencies).toEqual([
        expect.objectContaining({ name: 'mongodb', status: 'up', required: true }),
        expect.objectContaining({
          name: 'search',
          status: 'down',
          required: false,
          error: 'search refused the connection',
        }),
      ]);

      mongo.up = false;
      const notReady = await request(app).get('/ready').expect(503);
      expect(notReady.body.error).toEqual({ code: 'NOT_READY', message: 'Unavailable: mongodb' });
      expect(notReady.body.dependencies[0]).toMatchObject({ name: 'mongodb', status: 'down' });

      mongo.up = true;
      await request(app).get('/ready').expect(200);
    });

    it("leaves probes and scrapes out of the http_* families: a starting service's 503s are no errors", async () => {
      const starting = startTelemetry({ serviceName: 'test', serviceVersion: '0', env: {} });
      try {
        const mongo = { up: false };
        const app = build(starting, [dependency('mongodb', mongo)], 'a-long-enough-secret');
        for (let i = 0; i < 5; i += 1) await request(app).get('/ready').expect(503);
        await request(app).head('/ready').expect(503);
        await request(app).get('/READY/').expect(503);
        await request(app).get('/health').expect(200);
        await request(app).get('/metrics').expect(401);
        mongo.up = true;
        await request(app).get('/ready').expect(200);
        await request(app).get('/items/1').expect(200);

        const scrape = await request(app).get('/metrics').set('Authorization', 'Bearer a-long-enough-secret');
        const families = parseExposition(scrape.text);
        const handlers = (name: string) => new Set(families.get(name)?.samples.map((s) => s.labels.handler));
        for (const family of [
          'http_requests_total',
          'http_requests_inprogress',
          'http_request_duration_seconds',
          'http_request_size_bytes',
          'http_response_size_bytes',
        ])
          expect({ family, handlers: [...handlers(family)] }).toEqual({ family, handlers: ['/items/:id'] });
        expect(families.get('http_requests_total')?.samples.some((s) => s.labels.status === '5xx')).toBe(
          false,
        );
      } finally {
        await starting.shutdown();
      }
    });
  });

  describe('/metrics', () => {
    it('serves the exposition openly when no token is configured', async () => {
      const res = await request(build(telemetry)).get('/metrics').expect(200);
      expect(res.text).toContain('# TYPE process_cpu_seconds_total counter');
    });

    it('requires the bearer token when one is configured', async () => {
      const app = build(telemetry, [], 'a-long-enough-secret');
      const refused = await request(app).get('/metrics').expect(401);
      expect(refused.body.error.code).toBe('UNAUTHORIZED');
      expect(refused.headers['www-authenticate']).toContain('Bearer');
      await request(app)
        .get('/metrics')
        .set('Authorization', 'Bearer wrong-token-of-some-length')
        .expect(401);
      await request(app).get('/metrics').set('Authorization', 'Bearer a-long-enough-secret').expect(200);
    });

    it('is not served when telemetry is off', async () => {
      const off = startTelemetry({
        serviceName: 'test',
        serviceVersion: '0',
        env: { ENABLE_METRICS: 'false' },
      });
      await request(build(off)).get('/metrics').expect(404);
    });
  });

  describe('trace context', () => {
    it("logs the caller's trace id from traceparent, and none without a valid one", async () => {
      const app = build(telemetry);
      const traceId = async (traceparent?: string) => {
        const req = request(app).get('/trace');
        if (traceparent) void req.set('traceparent', traceparent);
        return ((await req.expect(200)).body as { traceId: string | null }).traceId;
      };
      expect(await traceId('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe(
        '4bf92f3577b34da6a3ce929d0e0e4736',
      );
      expect(await traceId()).toBeNull();
      expect(await traceId('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeNull();
      expect(await traceId('not a traceparent')).toBeNull();
    });
  });

  describe('hardening', () => {
    it('sends security headers fit for a JSON API', async () => {
      const res = await request(build(telemetry)).get('/health').expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('answers CORS only for the configured origins', async () => {
      const app = build(telemetry, [], undefined, { CORS_ORIGINS: ['https://desk.example.com'] });
      const allowed = await request(app).get('/health').set('Origin', 'https://desk.example.com');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://desk.example.com');
      const preflight = await request(app)
        .options('/echo')
        .set('Origin', 'https://desk.example.com')
        .set('Access-Control-Request-Method', 'POST')
        .expect(204);
      expect(preflight.headers['access-control-allow-methods']).toContain('POST');
      const other = await request(app).get('/health').set('Origin', 'https://evil.example.com');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const none = await request(build(telemetry)).get('/health').set('Origin', 'https://desk.example.com');
      expect(none.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('limits writes per client with a 429 and Retry-After, and leaves reads alone', async () => {
      const app = build(telemetry, [], undefined, { WRITE_RATE_LIMIT: 3 });
      for (let i = 0; i < 3; i += 1) await request(app).post('/echo').send({ i }).expect(200);
      const limited = await request(app).post('/echo').send({ i: 4 }).expect(429);
      expect(limited.body.error.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      await request(app).get('/health').expect(200);
    });
  });
});
