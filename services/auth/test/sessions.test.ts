import { waitFor } from '@support-center/testing';
import { jwtAuth, createApp, createLogger, DependencyChecker } from '@support-center/service-kit';
import { startTelemetry } from '@support-center/telemetry';
import request from 'supertest';
import {
  ADMIN,
  call,
  collectAuthEvents,
  createUser,
  login,
  loginOk,
  startAuth,
  type AuthUnderTest,
} from './support';

describe('auth sessions', () => {
  let auth: AuthUnderTest;
  let events: Awaited<ReturnType<typeof collectAuthEvents>>;
  let adminToken: string;

  beforeAll(async () => {
    auth = await startAuth(
      { AUTH_SESSION_TTL_SECONDS: '2', AUTH_SESSION_SWEEP_INTERVAL_MS: '60000' },
      'sessions',
    );
    events = await collectAuthEvents(auth.ns);
    adminToken = (await loginOk(auth.url, ADMIN.username, ADMIN.password)).accessToken;
  });
  afterAll(async () => {
    await events?.stop();
    await auth?.stop();
  });

  it('logs in with a password and answers the documented shape', async () => {
    const user = await createUser(auth.url, adminToken, 'Grace', 'agent');
    const tokens = await loginOk(auth.url, 'grace', 'correct-horse-1');
    expect(tokens).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
      tokenType: 'Bearer',
      user: { id: user.id, username: 'Grace', role: 'agent' },
    });
    const me = await call(auth.url, 'GET', '/api/v1/auth/me', tokens.accessToken);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: user.id, username: 'Grace', role: 'agent', active: true });
  });

  it('answers 401 alike for a wrong password and an unknown user', async () => {
    await createUser(auth.url, adminToken, 'alan');
    const wrong = await login(auth.url, 'alan', 'not-the-password');
    const unknown = await login(auth.url, 'nobody-at-all', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it('has its tokens verified by another service through the JWKS over HTTP', async () => {
    const telemetry = startTelemetry({
      serviceName: 'other',
      serviceVersion: '0',
      env: { ENABLE_METRICS: 'false' },
    });
    const verifier = jwtAuth({ jwksUrl: `${auth.url}/.well-known/jwks.json` });
    const other = createApp({
      config: { METRICS_TOKEN: undefined, JSON_BODY_LIMIT: '1kb' },
      telemetry,
      logger: createLogger({ service: 'other', level: 'silent' }),
      dependencies: new DependencyChecker([]),
      routes: (app) => {
        app.get('/whoami', verifier.requireAuth(), (req, res) => void res.json(req.user));
        app.get('/admin', verifier.requireRole('admin'), (_req, res) => void res.json({ ok: true }));
      },
    });
    const employee = await createUser(auth.url, adminToken, 'katherine');
    const tokens = await loginOk(auth.url, 'katherine', 'correct-horse-1');
    const res = await request(other)
      .get('/whoami')
      .set('Authorization', `Bearer ${tokens.accessToken}`)
      .expect(200);
    expect(res.body).toMatchObject({ id: employee.id, username: 'katherine', role: 'employee' });
    await request(other).get('/admin').set('Authorization', `Bearer ${tokens.accessToken}`).expect(403);
    await request(other).get('/admin').set('Authorization', `Bearer ${adminToken}`).expect(200);
    await telemetry.shutdown();
  });

  it('rotates refresh tokens, and a reused one revokes the whole session', async () => {
    await createUser(auth.url, adminToken, 'barbara');
    const first = await loginOk(auth.url, 'barbara', 'correct-horse-1');
    const refreshed = await call(auth.url, 'POST', '/api/v1/auth/refresh', undefined, {
      refreshToken: first.refreshToken,
    });
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as typeof first;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.user.username).toBe('barbara');

    const reuse = await call(auth.url, 'POST', '/api/v1/auth/refresh', undefined, {
      refreshToken: first.refreshToken,
    });
    expect(reuse.status).toBe(401);
    // The family is gone: the newest token no longer works either, nor the access token here.
    const after = await call(auth.url, 'POST', '/api/v1/auth/refresh', undefined, {
      refreshToken: second.refreshToken,
    });
    expect(after.status).toBe(401);
    expect((await call(auth.url, 'GET', '/api/v1/auth/me', second.accessToken)).status).toBe(401);
  });

  it('logs out, after which the refresh token and the session are dead', async () => {
    await createUser(auth.url, adminToken, 'edsger');
    const tokens = await loginOk(auth.url, 'edsger', 'correct-horse-1');
    expect((await call(auth.url, 'POST', '/api/v1/auth/logout', tokens.accessToken)).status).toBe(204);
    expect((await call(auth.url, 'GET', '/api/v1/auth/me', tokens.accessToken)).status).toBe(401);
    const res = await call(auth.url, 'POST', '/api/v1/auth/refresh', undefined, {
      refreshToken: tokens.refreshToken,
    });
    expect(res.status).toBe(401);
    // By refresh token, too.
    const again = await loginOk(auth.url, 'edsger', 'correct-horse-1');
    expect(
      (await call(auth.url, 'POST', '/api/v1/auth/logout', undefined, { refreshToken: again.refreshToken }))
        .status,
    ).toBe(204);
    expect((await call(auth.url, 'POST', '/api/v1/auth/logout')).status).toBe(401);
  });

  it('refuses an expired session on use, and the sweep reports it as session.expired', async () => {
    const user = await createUser(auth.url, adminToken, 'margaret');
    const tokens = await loginOk(auth.url, 'margaret', 'correct-horse-1');
    // The session TTL is 2 s here; /me checks the session on every use.
    await waitFor(
      async () => (await call(auth.url, 'GET', '/api/v1/auth/me', tokens.accessToken)).status === 401,
      {
        timeoutMs: 10_000,
        message: 'the session to expire',
      },
    );
    const refresh = await call(auth.url, 'POST', '/api/v1/auth/refresh', undefined, {
      refreshToken: tokens.refreshToken,
    });
    expect(refresh.status).toBe(401);
    await auth.sweepOnce();
    const expired = await waitFor(
      () => events.received.find((e) => e.type === 'session.expired' && e.subject === user.id),
      { timeoutMs: 15_000, message: 'session.expired on the auth topic' },
    );
    expect(expired.data).toMatchObject({ userId: user.id, role: 'employee' });
  });

  it('publishes user and session events on the auth topic, keyed by user id', async () => {
    const user = await createUser(auth.url, adminToken, 'donald');
    const tokens = await loginOk(auth.url, 'donald', 'correct-horse-1');
    expect(
      (await call(auth.url, 'PATCH', `/api/v1/users/${user.id}`, adminToken, { displayName: 'Don' })).status,
    ).toBe(200);
    await call(auth.url, 'POST', '/api/v1/auth/logout', tokens.accessToken);
    const types = await waitFor(
      () => {
        const mine = events.received.filter((e) => e.subject === user.id);
        return mine.length >= 5 ? mine : undefined;
      },
      { timeoutMs: 15_000, message: 'five events of the user' },
    );
    expect(types.map((e) => e.type).sort()).toEqual([
      'session.revoked',
      'user.created',
      'user.logged_in',
      'user.logged_out',
      'user.updated',
    ]);
    expect(types.every((e) => e.key === user.id)).toBe(true);
    expect(types.find((e) => e.type === 'user.updated')?.data).toMatchObject({
      displayName: 'Don',
      username: 'donald',
    });
  });

  it('publishes session.revoked for a logout, a reused refresh token and each session of a deactivated user', async () => {
    const user = await createUser(auth.url, adminToken, 'ida');
    const loggedOut = await loginOk(auth.url, 'ida', 'correct-horse-1');
    await call(auth.url, 'POST', '/api/v1/auth/logout', loggedOut.accessToken);
    const reused = await loginOk(auth.url, 'ida', 'correct-horse-1');
    await call(auth.url, 'POST', '/api/v1/auth/refresh', undefined, { refreshToken: reused.refreshToken });
    await call(auth.url, 'POST', '/api/v1/auth/refresh', undefined, { refreshToken: reused.refreshToken });
    // Both live at the deactivation (sessions last 2 s in this suite).
    const [first, second] = await Promise.all([
      loginOk(auth.url, 'ida', 'correct-horse-1'),
      loginOk(auth.url, 'ida', 'correct-horse-1'),
    ]);
    const patched = await call(auth.url, 'PATCH', `/api/v1/users/${user.id}`, adminToken, { active: false });
    expect(patched.status).toBe(200);

    const revoked = await waitFor(
      () => {
        const mine = events.received.filter((e) => e.type === 'session.revoked' && e.subject === user.id);
        return mine.length >= 4 ? mine : undefined;
      },
      { timeoutMs: 15_000, message: 'four session.revoked events' },
    );
    const reasons = Object.fromEntries(revoked.map((e) => [e.data.sessionId, e.data.reason]));
    const sessionOf = (tokens: { refreshToken: string }) => tokens.refreshToken.split('.')[0] as string;
    expect(reasons).toEqual({
      [sessionOf(loggedOut)]: 'logout',
      [sessionOf(reused)]: 'refresh_reuse',
      [sessionOf(first)]: 'deactivated',
      [sessionOf(second)]: 'deactivated',
    });
    // Tokens issued now expire within the access-token lifetime (900 s here) from the revocation.
    for (const event of revoked) {
      const expireBy = Date.parse(String(event.data.tokensExpireBy));
      expect(expireBy).toBeGreaterThan(Date.now());
      expect(expireBy).toBeLessThanOrEqual(Date.now() + 900_000);
    }
  });

  it('refuses a revoked session on its own endpoints at once', async () => {
    const second = await loginOk(auth.url, ADMIN.username, ADMIN.password);
    expect((await call(auth.url, 'GET', '/api/v1/users', second.accessToken)).status).toBe(200);
    expect((await call(auth.url, 'POST', '/api/v1/auth/logout', second.accessToken)).status).toBe(204);
    const res = await call(auth.url, 'GET', '/api/v1/users', second.accessToken);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TOKEN_REVOKED');
  });
});
