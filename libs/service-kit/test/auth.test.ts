import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import request from 'supertest';
import { waitFor } from '@support-center/testing';
import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import {
  createApp,
  createLogger,
  DEFAULT_TOKEN_AUDIENCE,
  DEFAULT_TOKEN_ISSUER,
  DependencyChecker,
  jwtAuth,
  requireRole,
  type JwtAuthOptions,
} from '../src';

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  jwk: JWK;
}

async function signingKey(kid: string, alg: 'EdDSA' | 'ES256' = 'EdDSA'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function token(
  key: SigningKey,
  claims: Record<string, unknown> = {},
  options: { exp?: string | number } = {},
) {
  const alg = key.jwk.alg ?? 'EdDSA';
  return new SignJWT({ username: 'ada', role: 'agent', sid: 's1', ...claims })
    .setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' })
    .setSubject('u1')
    .setIssuer(DEFAULT_TOKEN_ISSUER)
    .setAudience(DEFAULT_TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(key.privateKey);
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('jwtAuth', () => {
  let telemetry: Telemetry;
  let jwksServer: http.Server;
  let published: JWK[] = [];
  let fetches = 0;
  let keyA: SigningKey;
  let app: Express;
  let auth: ReturnType<typeof jwtAuth>;
  /** Sessions the (stand-in) revocation list refuses. */
  const revokedSessions = new Set<string>();

  beforeAll(async () => {
    telemetry = startTelemetry({
      serviceName: 'test',
      serviceVersion: '0',
      env: { ENABLE_METRICS: 'false' },
    });
    keyA = await signingKey('key-a');
    published = [keyA.jwk];
    jwksServer = http.createServer((_req, res) => {
      fetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const { port } = jwksServer.address() as AddressInfo;
    auth = jwtAuth({
      jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      cooldownMs: 0,
      revocations: { isRevoked: (user) => revokedSessions.has(user.sessionId ?? '') },
    });
    app = createApp({
      config: { METRICS_TOKEN: undefined, JSON_BODY_LIMIT: '1kb' },
      telemetry,
      logger: createLogger({ service: 'test', level: 'silent' }),
      dependencies: new DependencyChecker([]),
      routes: (a) => {
        a.get('/me', auth.requireAuth(), (req, res) => {
          res.json(req.user);
        });
        a.get('/admin', auth.requireRole('admin'), (_req, res) => {
          res.json({ ok: true });
        });
        a.get('/staff', auth.requireAuth(), requireRole('agent', 'admin'), (_req, res) => {
          res.json({ ok: true });
        });
      },
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => jwksServer.close(resolve));
    await telemetry.shutdown();
  });

  const get = (path: string, bearer?: string) => {
    const req = request(app).get(path);
    return bearer === undefined ? req : req.set('Authorization', `Bearer ${bearer}`);
  };

  it('accepts a valid token and sets req.user', async () => {
    const res = await get('/me', await token(keyA)).expect(200);
    expect(res.body).toEqual({
      id: 'u1',
      username: 'ada',
      role: 'agent',
      sessionId: 's1',
      issuedAt: expect.any(Number),
    });
  });

  it('refuses a revoked token with 401 TOKEN_REVOKED, over HTTP and to verify()', async () => {
    revokedSessions.add('s-ended');
    const ended = await token(keyA, { sid: 's-ended' });
    const res = await get('/me', ended).expect(401);
    expect(res.body.error.code).toBe('TOKEN_REVOKED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    await expect(auth.verify(ended)).rejects.toMatchObject({ code: 'TOKEN_REVOKED', statusCode: 401 });
    // The same user's other session is not concerned.
    await get('/me', await token(keyA, { sid: 's-live' })).expect(200);
  });

  it('answers 401 without a token, and with a malformed one', async () => {
    const missing = await get('/me').expect(401);
    expect(missing.body.error.code).toBe('UNAUTHORIZED');
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    await get('/me', 'not-a-token').expect(401);
    await get('/me', 'a.b.c').expect(401);
    await request(app).get('/me').set('Authorization', 'Basic YWRhOnB3').expect(401);
  });

  it("refuses alg 'none'", async () => {
    const [, payload] = (await token(keyA)).split('.');
    const unsigned = `${b64({ alg: 'none', typ: 'JWT', kid: 'key-a' })}.${payload}.`;
    const res = await get('/me', unsigned).expect(401);
    expect(res.body.error.message).toBe('The access token is not valid');
  });

  it('refuses a token signed with a key the JWKS does not hold, under a known kid or a new one', async () => {
    const rogue = await signingKey('key-a');
    await get('/me', await token(rogue)).expect(401);
    const stranger = await signingKey('key-unknown');
    await get('/me', await token(stranger)).expect(401);
  });

  it('refuses an expired token', async () => {
    const expired = await token(keyA, {}, { exp: Math.floor(Date.now() / 1000) - 60 });
    const res = await get('/me', expired).expect(401);
    expect(res.body.error.message).toBe('The access token has expired');
  });

  it('refuses a token whose role was tampered with', async () => {
    const [header, payload, signature] = (await token(keyA)).split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as object;
    const tampered = `${header}.${b64({ ...claims, role: 'admin' })}.${signature}`;
    await get('/admin', tampered).expect(401);
  });

  it('refuses a token for another audience or from another issuer', async () => {
    const other = await new SignJWT({ username: 'ada', role: 'admin' })
      .setProtectedHeader({ alg: 'EdDSA', kid: keyA.kid })
      .setSubject('u1')
      .setIssuer(DEFAULT_TOKEN_ISSUER)
      .setAudience('another-system')
      .setExpirationTime('5m')
      .sign(keyA.privateKey);
    await get('/admin', other).expect(401);
    const foreign = await new SignJWT({ username: 'ada', role: 'admin' })
      .setProtectedHeader({ alg: 'EdDSA', kid: keyA.kid })
      .setSubject('u1')
      .setIssuer('someone-else')
      .setAudience(DEFAULT_TOKEN_AUDIENCE)
      .setExpirationTime('5m')
      .sign(keyA.privateKey);
    await get('/admin', foreign).expect(401);
  });

  it('answers 403 for the wrong role, and lets the right one through', async () => {
    const res = await get('/admin', await token(keyA, { role: 'employee' })).expect(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    await get('/admin', await token(keyA, { role: 'admin' })).expect(200);
    await get('/staff', await token(keyA, { role: 'employee' })).expect(403);
    await get('/staff', await token(keyA, { role: 'agent' })).expect(200);
    await get('/staff').expect(401);
  });

  it('caches the key set, and fetches it again when a token names a new kid (rotation)', async () => {
    await get('/me', await token(keyA)).expect(200);
    const before = fetches;
    await get('/me', await token(keyA)).expect(200);
    expect(fetches).toBe(before);

    const keyB = await signingKey('key-b', 'ES256');
    published = [keyB.jwk, keyA.jwk];
    await get('/me', await token(keyB)).expect(200);
    expect(fetches).toBe(before + 1);
    // The previous key still verifies the tokens it signed while both are published.
    await get('/me', await token(keyA)).expect(200);
  });

  describe('tokens verified lately', () => {
    /** Fetches the key set for every token it has not verified lately. */
    const uncachedKeys = (options: Partial<JwtAuthOptions>) =>
      jwtAuth({
        jwksUrl: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`,
        cacheMaxAgeMs: 1,
        cooldownMs: 0,
        clockToleranceSeconds: 0,
        ...options,
      });
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
      );

    afterEach(() => {
      published = [keyA.jwk];
    });

    it('trusts a verified token again without its key, until the TTL', async () => {
      const keyC = await signingKey('key-c');
      published = [keyA.jwk, keyC.jwk];
      const verifier = uncachedKeys({ verifiedTokenTtlMs: 500 });
      const seen = await token(keyC);
      await expect(verifier.verify(seen)).resolves.toMatchObject({ id: 'u1' });

      published = [keyA.jwk];
      await expect(verifier.verify(seen)).resolves.toMatchObject({ id: 'u1' });
      // The key is gone for any token not verified lately (EdDSA signs deterministically: another sid)...
      expect(await refusal(verifier.verify(await token(keyC, { sid: 's2' })))).toBe(
        'UNAUTHORIZED: The access token is not valid',
      );
      // ...and for this one too once the TTL has passed.
      await waitFor(async () => (await refusal(verifier.verify(seen))) !== undefined, {
        message: 'the remembered token refused after its TTL',
      });
    });

    it('refuses a verified token once it expires, within the TTL', async () => {
      const verifier = uncachedKeys({ verifiedTokenTtlMs: 600_000 });
      const shortLived = await token(keyA, {}, { exp: Math.floor(Date.now() / 1000) + 1 });
      await expect(verifier.verify(shortLived)).resolves.toMatchObject({ id: 'u1' });
      await waitFor(async () => (await refusal(verifier.verify(shortLived))) !== undefined, {
        message: 'the remembered token refused at its expiry',
      });
      expect(await refusal(verifier.verify(shortLived))).toBe('UNAUTHORIZED: The access token has expired');
    });

    it('refuses a verified token once it is revoked', async () => {
      const seen = await token(keyA, { sid: 's-revoked-later' });
      await get('/me', seen).expect(200);
      revokedSessions.add('s-revoked-later');
      const res = await get('/me', seen).expect(401);
      expect(res.body.error.code).toBe('TOKEN_REVOKED');
    });
  });
});
