import fc from 'fast-check';
import request from 'supertest';
import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import { createApp, createLogger, DependencyChecker } from '../src';

const logger = createLogger({ service: 'test', level: 'silent' });

describe('body types', () => {
  let telemetry: Telemetry;
  let app: ReturnType<typeof createApp>;

  beforeAll(() => {
    telemetry = startTelemetry({
      serviceName: 'test',
      serviceVersion: '0',
      env: { ENABLE_METRICS: 'false' },
    });
    app = createApp({
      config: { METRICS_TOKEN: undefined, JSON_BODY_LIMIT: '1kb' },
      telemetry,
      logger,
      dependencies: new DependencyChecker([]),
      otherBodies: [{ method: 'POST', path: '/upload', types: ['multipart/form-data'] }],
      routes: (routes) => {
        // A route that, like the services' JSON writes, reads whatever body it was given.
        routes.post('/echo', (req, res) => void res.json({ body: req.body ?? null }));
        routes.post('/upload', (req, res) => {
          req.resume();
          res.status(201).json({ type: req.get('content-type') });
        });
        routes.post('/empty', (_req, res) => void res.status(204).end());
      },
    });
  });
  afterAll(() => telemetry.shutdown());

  const nonJson = fc.oneof(
    fc.constantFrom(
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/octet-stream',
      'application/jsonx',
      'json',
    ),
    fc
      .tuple(
        fc.constantFrom('text', 'image', 'application', 'audio'),
        fc.stringMatching(/^[a-z][a-z0-9.+-]{0,15}$/),
      )
      .filter(([, sub]) => sub !== 'json')
      .map(([type, sub]) => `${type}/${sub}`),
  );

  it('answers any non-JSON body on a JSON route with 415 in the error contract, before the route reads it', async () => {
    await fc.assert(
      fc.asyncProperty(nonJson, fc.string({ minLength: 1, maxLength: 200 }), async (type, body) => {
        const res = await request(app).post('/echo').set('Content-Type', type).send(body);
        expect(res.status).toBe(415);
        expect(res.body).toEqual({
          error: {
            code: 'UNSUPPORTED_MEDIA_TYPE',
            message: 'The body must be application/json',
            details: [{ field: 'body', message: 'must be application/json' }],
          },
        });
      }),
      { numRuns: 60 },
    );
  });

  it('answers a body without a Content-Type with 415', async () => {
    const res = await request(app).post('/echo').send(Buffer.from('{"a":1}'));
    expect(res.status).toBe(415);
  });

  it('takes JSON, with or without a charset, and requests without a body', async () => {
    await request(app)
      .post('/echo')
      .send({ a: 1 })
      .expect(200, { body: { a: 1 } });
    await request(app)
      .post('/echo')
      .set('Content-Type', 'application/json; charset=utf-8')
      .send('{"a":2}')
      .expect(200, { body: { a: 2 } });
    await request(app).post('/empty').expect(204);
    await request(app).post('/empty').set('Content-Type', 'text/plain').expect(204);
    await request(app).get('/health').set('Content-Type', 'text/plain').expect(200);
  });

  it('lets a route declared with other body types take only those: multipart, and 415 for JSON', async () => {
    const multipart = await request(app)
      .post('/upload')
      .field('ticketId', 't-1')
      .attach('file', Buffer.from('hello'), 'a.txt');
    expect(multipart.status).toBe(201);
    expect(multipart.body.type).toMatch(/^multipart\/form-data; boundary=/);
    const json = await request(app).post('/UPLOAD/').send({ ticketId: 't-1' });
    expect(json.status).toBe(415);
    expect(json.body.error.message).toBe('The body must be multipart/form-data');
  });
});
