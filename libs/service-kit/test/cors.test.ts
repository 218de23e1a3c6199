import fc from 'fast-check';
import request from 'supertest';
import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import {
  baseConfigSchema,
  ConfigError,
  createApp,
  createLogger,
  DependencyChecker,
  loadConfig,
} from '../src';

const logger = createLogger({ service: 'test', level: 'silent' });
const schema = baseConfigSchema({ port: 0, mongoDb: 'test' });

// Started before the describe blocks build their apps.
const telemetry: Telemetry = startTelemetry({ serviceName: 'test', serviceVersion: '0', env: {} });
afterAll(() => telemetry.shutdown());

/** The app a service builds from this environment, with one JSON route. */
function appFor(env: NodeJS.ProcessEnv) {
  return createApp({
    config: loadConfig(schema, env),
    telemetry,
    logger,
    dependencies: new DependencyChecker([]),
    routes: (app) => {
      app.post('/api/v1/things', (req, res) => {
        res.status(201).json(req.body);
      });
    },
  });
}

/** What a browser reads from an answer to `origin`: the CORS headers, or none. */
async function corsOf(app: ReturnType<typeof appFor>, origin: string) {
  const res = await request(app).get('/health').set('Origin', origin);
  return {
    allowOrigin: res.headers['access-control-allow-origin'],
    credentials: res.headers['access-control-allow-credentials'],
    vary: res.headers.vary,
  };
}

function preflight(app: ReturnType<typeof appFor>, origin: string) {
  return request(app)
    .options('/api/v1/things')
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'authorization,content-type');
}

/** Origins that are not a page of this machine over http, though some look close. */
const foreignOrigins = fc.oneof(
  fc
    .webUrl()
    .map((url) => new URL(url).origin)
    .filter((o) => !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(o)),
  fc.constantFrom(
    'http://localhost.evil.example',
    'http://127.0.0.1.nip.io',
    'https://evil.example',
    'http://evil.example:8000',
    'null',
    'http://localhost:3000/',
    'http://user@localhost:3000',
  ),
);

describe('CORS', () => {
  describe('in development (NODE_ENV=development, as npm run dev sets it)', () => {
    const app = appFor({ NODE_ENV: 'development' });

    it('lets any http://localhost:* or http://127.0.0.1:* page read answers, with credentials', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('localhost', '127.0.0.1'),
          fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
          async (host, port) => {
            const origin = `http://${host}${port === undefined ? '' : `:${port}`}`;
            expect(await corsOf(app, origin)).toEqual({
              allowOrigin: origin,
              credentials: 'true',
              // Caches must not hand one origin's answer to another.
              vary: expect.stringContaining('Origin'),
            });
          },
        ),
        { numRuns: 50 },
      );
    });

    it('answers a preflight from a local page with the method and headers it asked for', async () => {
      const res = await preflight(app, 'http://localhost:5173').expect(204);
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(res.headers['access-control-allow-headers']).toBe('authorization,content-type');
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      const post = await request(app)
        .post('/api/v1/things')
        .set('Origin', 'http://localhost:5173')
        .send({ a: 1 })
        .expect(201);
      expect(post.headers['access-control-allow-origin']).toBe('http://localhost:5173');
      expect(post.headers['access-control-expose-headers']).toContain('X-Request-Id');
    });

    it('sends no CORS header to any other origin', async () => {
      await fc.assert(
        fc.asyncProperty(foreignOrigins, async (origin) => {
          expect(await corsOf(app, origin)).toMatchObject({ allowOrigin: undefined, credentials: undefined });
          const res = await preflight(app, origin);
          expect(res.headers['access-control-allow-origin']).toBeUndefined();
        }),
        { numRuns: 50 },
      );
    });

    it('still allows the configured origins', async () => {
      const withList = appFor({ NODE_ENV: 'development', CORS_ORIGINS: 'https://desk.example.com' });
      expect((await corsOf(withList, 'https://desk.example.com')).allowOrigin).toBe(
        'https://desk.example.com',
      );
      expect((await corsOf(withList, 'http://localhost:3000')).allowOrigin).toBe('http://localhost:3000');
    });
  });

  describe('in production (the default)', () => {
    it('is closed: no CORS header for a local page, no preflight answer', async () => {
      for (const env of [{}, { NODE_ENV: 'production' }, { NODE_ENV: 'test' }]) {
        const app = appFor(env);
        expect(await corsOf(app, 'http://localhost:5173')).toMatchObject({ allowOrigin: undefined });
        const res = await preflight(app, 'http://localhost:5173');
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        expect(res.headers['access-control-allow-methods']).toBeUndefined();
      }
    });

    it('opens to the configured origins only, with credentials', async () => {
      const app = appFor({ CORS_ORIGINS: 'https://desk.example.com, https://admin.example.com' });
      for (const origin of ['https://desk.example.com', 'https://admin.example.com']) {
        expect(await corsOf(app, origin)).toEqual({
          allowOrigin: origin,
          credentials: 'true',
          vary: expect.stringContaining('Origin'),
        });
      }
      expect(
        (await preflight(app, 'https://desk.example.com').expect(204)).headers['access-control-allow-origin'],
      ).toBe('https://desk.example.com');
      await fc.assert(
        fc.asyncProperty(foreignOrigins, async (origin) => {
          expect((await corsOf(app, origin)).allowOrigin).toBeUndefined();
        }),
        { numRuns: 30 },
      );
      expect((await corsOf(app, 'http://localhost:5173')).allowOrigin).toBeUndefined();
    });

    it('answers any origin with * but never allows credentials with it, as browsers require', async () => {
      const app = appFor({ CORS_ORIGINS: '*,https://desk.example.com' });
      expect(await corsOf(app, 'https://anyone.example')).toMatchObject({
        allowOrigin: '*',
        credentials: undefined,
      });
      expect(await corsOf(app, 'https://desk.example.com')).toMatchObject({
        allowOrigin: 'https://desk.example.com',
        credentials: 'true',
      });
    });
  });

  it.each([
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ CORS_ORIGINS: 'desk.example.com' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://desk.example.com/app' }, 'CORS_ORIGINS'],
  ])('refuses to start on %j, naming %s', (env, variable) => {
    expect(() => loadConfig(schema, env)).toThrow(ConfigError);
    expect(() => loadConfig(schema, env)).toThrow(new RegExp(`${variable}(\\.\\d+)?: `));
  });
});
