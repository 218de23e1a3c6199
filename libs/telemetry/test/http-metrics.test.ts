import { randomBytes } from 'node:crypto';
import express, { Router } from 'express';
import request from 'supertest';
import { parseExposition, sampleValue } from '@support-center/testing';
import { measureHttp, startTelemetry, type Telemetry } from '../src';

function buildApp(telemetry: Telemetry) {
  const app = express();
  measureHttp({ aggregate: telemetry.http!, app });
  app.get('/metrics', (req, res) => telemetry.metricsHandler?.(req, res));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', (_req, res) => {
    res.status(503).json({ error: { code: 'NOT_READY', message: 'Unavailable: mongodb' } });
  });
  app.get('/items/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.post('/items', express.json(), (_req, res) => {
    res.status(201).json({ ok: true });
  });
  app.get('/fail', () => {
    throw new Error('boom');
  });
  app.get('/stream', (_req, res) => {
    res.write('a'.repeat(1000));
    res.write(Buffer.alloc(500));
    res.end('z');
  });
  const nested = Router();
  nested.get('/:ticketId/notes/:noteId', (_req, res) => {
    res.send('note');
  });
  app.use('/api/v1/tickets', nested);
  return app;
}

async function scrape(app: express.Express) {
  const res = await request(app).get('/metrics');
  return parseExposition(res.text);
}

describe('measureHttp', () => {
  let telemetry: Telemetry;
  let app: express.Express;

  beforeAll(() => {
    telemetry = startTelemetry({
      serviceName: 'test',
      serviceVersion: '0.0.0',
      env: { ENABLE_METRICS: 'true' },
    });
  });
  afterAll(() => telemetry.shutdown());
  beforeEach(() => {
    app = buildApp(telemetry);
  });

  it("refuses an application without Express 5's request entry", () => {
    const notExpress = { router: {}, response: express().response };
    expect(() => measureHttp({ aggregate: telemetry.http!, app: notExpress })).toThrow(TypeError);
  });

  it('leaves the probe and scrape endpoints out of every http_* family', async () => {
    await request(app).get('/ready').expect(503);
    await request(app).get('/Ready/').expect(503);
    await request(app).get('/health').expect(200);
    await scrape(app);
    const families = await scrape(app);
    for (const family of [
      'http_requests_total',
      'http_request_duration_seconds',
      'http_response_size_bytes',
    ]) {
      const handlers = new Set(families.get(family)?.samples.map((s) => s.labels.handler));
      for (const probe of ['/ready', '/health', '/metrics'])
        expect({ family, probe, seen: handlers.has(probe) }).toEqual({ family, probe, seen: false });
    }
  });

  it('leaves out the routes it is given instead, and only those', async () => {
    const other = express();
    measureHttp({ aggregate: telemetry.http!, app: other, unmeasured: ['/internal/ping'] });
    other.get('/internal/ping', (_req, res) => {
      res.send('pong');
    });
    other.get('/ready', (_req, res) => {
      res.send('ready');
    });
    await request(other).get('/internal/ping').expect(200);
    await request(other).get('/ready').expect(200);
    const families = await scrape(app);
    expect(sampleValue(families, 'http_requests_total', { handler: '/internal/ping' })).toBeUndefined();
    expect(sampleValue(families, 'http_requests_total', { handler: '/ready', status: '2xx' })).toBe(1);
  });

  it('labels requests by route template, mounted routers included', async () => {
    await request(app).get('/items/42').expect(200);
    await request(app).get('/items/43').expect(200);
    await request(app).get('/api/v1/tickets/7/notes/9').expect(200);
    const families = await scrape(app);
    const base = { method: 'GET', status: '2xx' };
    expect(sampleValue(families, 'http_requests_total', { ...base, handler: '/items/:id' })).toBe(2);
    expect(
      sampleValue(families, 'http_requests_total', {
        ...base,
        handler: '/api/v1/tickets/:ticketId/notes/:noteId',
      }),
    ).toBe(1);
    expect(sampleValue(families, 'http_requests_total', { handler: '/items/42' })).toBeUndefined();
  });

  it('groups statuses into classes', async () => {
    await request(app).post('/items').send({ a: 1 }).expect(201);
    await request(app).post('/items').set('Content-Type', 'application/json').send('{bad').expect(400);
    await request(app).get('/fail').expect(500);
    const families = await scrape(app);
    expect(
      sampleValue(families, 'http_requests_total', { handler: '/items', status: '2xx' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(families, 'http_requests_total', { handler: '/items', status: '4xx' }),
    ).toBeGreaterThan(0);
    expect(sampleValue(families, 'http_requests_total', { handler: '/fail', status: '5xx' })).toBeGreaterThan(
      0,
    );
  });

  it('adds no handler value for 1,000 requests to random unknown paths', async () => {
    const handlersBefore = handlerValues(await scrape(app));
    const agent = request(app);
    const methods = ['GET', 'POST', 'DELETE', 'PATCH'] as const;
    for (let i = 0; i < 1000; i += 1) {
      const method = methods[i % methods.length] ?? 'GET';
      const path = `/${randomBytes(6).toString('hex')}/${i}?q=${i}`;
      await agent[method.toLowerCase() as 'get'](path).expect(404);
    }
    const families = await scrape(app);
    const added = [...handlerValues(families)].filter((h) => !handlersBefore.has(h));
    expect(added.filter((h) => h !== 'unmatched')).toEqual([]);
    const unmatched = methods.map(
      (method) => sampleValue(families, 'http_requests_total', { handler: 'unmatched', method }) ?? 0,
    );
    expect(unmatched.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1000);
  });

  it('folds unusual methods into one label value', async () => {
    const agent = request(app) as unknown as Record<string, (path: string) => request.Test>;
    for (const method of ['propfind', 'purge', 'mkcol']) await agent[method]?.('/items/1');
    const families = await scrape(app);
    const methods = new Set(families.get('http_requests_total')?.samples.map((s) => s.labels.method));
    expect(methods.has('OTHER')).toBe(true);
    expect([...methods].filter((m) => ['PROPFIND', 'PURGE', 'MKCOL'].includes(m ?? ''))).toEqual([]);
  });

  it('measures streamed response bodies and request bodies', async () => {
    const before = await scrape(app);
    const sumBefore = sampleValue(before, 'http_response_size_bytes_sum', { handler: '/stream' }) ?? 0;
    await request(app).get('/stream').expect(200);
    const body = JSON.stringify({ payload: 'x'.repeat(300) });
    await request(app).post('/items').set('Content-Type', 'application/json').send(body).expect(201);
    const families = await scrape(app);
    expect(sampleValue(families, 'http_response_size_bytes_sum', { handler: '/stream' })).toBe(
      sumBefore + 1501,
    );
    expect(
      sampleValue(families, 'http_request_size_bytes_sum', { handler: '/items' }),
    ).toBeGreaterThanOrEqual(Buffer.byteLength(body));
  });

  it('measures a response by its declared length, and a HEAD response as no body', async () => {
    const sizes = async () => {
      const families = await scrape(app);
      const handler = { handler: '/items/:id' };
      return {
        sum: sampleValue(families, 'http_response_size_bytes_sum', handler) ?? 0,
        count: sampleValue(families, 'http_response_size_bytes_count', handler) ?? 0,
      };
    };
    const before = await sizes();
    const got = await request(app).get('/items/12345').expect(200);
    await request(app).head('/items/12345').expect(200);
    const after = await sizes();
    expect(after.count - before.count).toBe(2);
    expect(after.sum - before.sum).toBe(Number(got.headers['content-length']));
    expect(after.sum - before.sum).toBe(Buffer.byteLength(JSON.stringify({ id: '12345' })));
  });

  it('counts a request in progress until its response is sent', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    app.get('/slow', async (_req, res) => {
      await held;
      res.send('done');
    });
    const pending = request(app)
      .get('/slow')
      .then((r) => r);
    const inProgress = async () =>
      sampleValue(await scrape(app), 'http_requests_inprogress', { handler: '/slow', method: 'GET' });
    for (let i = 0; i < 50 && (await inProgress()) !== 1; i += 1) await new Promise((r) => setImmediate(r));
    expect(await inProgress()).toBe(1);
    release();
    expect((await pending).status).toBe(200);
    expect(await inProgress()).toBe(0);
  });

  it('records durations in seconds with the catalog buckets', async () => {
    await request(app).get('/items/1').expect(200);
    const families = await scrape(app);
    const duration = families.get('http_request_duration_seconds');
    expect(duration?.type).toBe('histogram');
    const bounds = new Set(duration?.samples.map((s) => s.labels.le).filter(Boolean));
    expect(bounds).toEqual(
      new Set([
        '0.005',
        '0.01',
        '0.025',
        '0.05',
        '0.075',
        '0.1',
        '0.25',
        '0.5',
        '0.75',
        '1',
        '2.5',
        '5',
        '7.5',
        '10',
        '+Inf',
      ]),
    );
    expect(
      sampleValue(families, 'http_request_duration_seconds_sum', { handler: '/items/:id' }),
    ).toBeLessThan(5);
  });
});

function handlerValues(families: ReturnType<typeof parseExposition>): Set<string> {
  return new Set(families.get('http_requests_total')?.samples.map((s) => s.labels.handler ?? '') ?? []);
}
