import { sampleValue, waitFor, type ExpositionFamily } from '@support-center/testing';
import { ADMIN, call, createUser, login, loginOk, scrape, startAuth, type AuthUnderTest } from './support';

type Exposition = Map<string, ExpositionFamily>;

const value = (m: Exposition, name: string, labels: Record<string, string>) =>
  sampleValue(m, name, labels) ?? 0;

describe('auth lockout and metrics', () => {
  let auth: AuthUnderTest;
  let adminToken: string;

  beforeAll(async () => {
    auth = await startAuth(
      {
        AUTH_LOCKOUT_ACCOUNT_THRESHOLD: '2',
        AUTH_LOCKOUT_ADDRESS_THRESHOLD: '3',
        AUTH_LOCKOUT_BASE_MS: '1000',
        AUTH_LOCKOUT_MAX_MS: '60000',
        AUTH_LOCKOUT_WINDOW_MS: '60000',
        AUTH_SESSION_GAUGE_INTERVAL_MS: '200',
      },
      'lockout',
    );
    adminToken = (await loginOk(auth.url, ADMIN.username, ADMIN.password)).accessToken;
  });
  afterAll(() => auth?.stop());

  it('locks an account after repeated failures with 429 and Retry-After, until the lock expires', async () => {
    await createUser(auth.url, adminToken, 'mallory');
    const from = { 'x-forwarded-for': '10.1.0.1' };
    expect((await login(auth.url, 'mallory', 'wrong-1', {}, from)).status).toBe(401);
    expect((await login(auth.url, 'mallory', 'wrong-2', {}, { 'x-forwarded-for': '10.1.0.2' })).status).toBe(
      401,
    );
    // Locked now, even with the right password and from another address.
    const locked = await login(auth.url, 'MALLORY', 'correct-horse-1', {}, { 'x-forwarded-for': '10.1.0.3' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await locked.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    await waitFor(
      async () => (await login(auth.url, 'mallory', 'correct-horse-1', {}, from)).status === 200,
      {
        timeoutMs: 10_000,
        message: 'the account lock to expire',
      },
    );
  });

  it('locks a client address that fails across accounts', async () => {
    const from = { 'x-forwarded-for': '10.2.0.1' };
    for (const name of ['a1', 'a2', 'a3'])
      expect((await login(auth.url, name, 'guess', {}, from)).status).toBe(401);
    expect((await login(auth.url, ADMIN.username, ADMIN.password, {}, from)).status).toBe(429);
    expect(
      (await login(auth.url, ADMIN.username, ADMIN.password, {}, { 'x-forwarded-for': '10.2.0.2' })).status,
    ).toBe(200);
  });

  it('keeps an account locked under 30 concurrent failures (single-document $inc counts)', async () => {
    await createUser(auth.url, adminToken, 'trudy');
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        login(auth.url, 'trudy', `wrong-${i}`, {}, { 'x-forwarded-for': `10.3.0.${i}` }),
      ),
    );
    expect(results.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expect(
      (await login(auth.url, 'trudy', 'correct-horse-1', {}, { 'x-forwarded-for': '10.3.1.1' })).status,
    ).toBe(429);
  });

  it('allows one check once a lock ends, even to parallel guesses, then locks again', async () => {
    await createUser(auth.url, adminToken, 'oscar');
    let n = 0;
    const guesses = () =>
      Promise.all(
        Array.from({ length: 10 }, async () => {
          n += 1;
          return (
            await login(
              auth.url,
              'oscar',
              `wrong-${n}`,
              {},
              { 'x-forwarded-for': `10.5.${n >> 8}.${n & 255}` },
            )
          ).status;
        }),
      );
    expect((await guesses()).filter((s) => s === 401)).toHaveLength(2);
    // Rounds of parallel guesses until one comes after the lock ended: only one of it is checked.
    const round = await waitFor(
      async () => {
        const statuses = await guesses();
        return statuses.some((s) => s !== 429) ? statuses : undefined;
      },
      { timeoutMs: 10_000, message: 'the lock to end' },
    );
    expect(round.filter((s) => s === 401)).toHaveLength(1);
    expect(
      (await login(auth.url, 'oscar', 'correct-horse-1', {}, { 'x-forwarded-for': '10.5.9.9' })).status,
    ).toBe(429);
  });

  it('moves the auth metrics exactly as documented over a scripted sequence', async () => {
    await createUser(auth.url, adminToken, 'walter', 'agent');
    const before = await scrape(auth.url);
    const from = { 'x-forwarded-for': '10.4.0.1' };
    const statuses: number[] = [];
    const attempt = async (password: string) => {
      const res = await login(auth.url, 'walter', password, {}, from);
      statuses.push(res.status);
      return res;
    };
    await attempt('wrong-1');
    await attempt('wrong-2');
    expect((await attempt('correct-horse-1')).status).toBe(429);
    await waitFor(async () => (await attempt('correct-horse-1')).status === 200, { timeoutMs: 10_000 });
    const tokens = (await (await login(auth.url, 'walter', 'correct-horse-1', {}, from)).json()) as {
      accessToken: string;
    };
    statuses.push(200);

    const during = await waitFor(
      async () => {
        const m = await scrape(auth.url);
        return value(m, 'active_user_sessions', { role: 'agent' }) === 2 ? m : undefined;
      },
      { timeoutMs: 10_000, message: 'two live agent sessions' },
    );
    const delta = (name: string, labels: Record<string, string>) =>
      value(during, name, labels) - value(before, name, labels);
    const count = (status: number) => statuses.filter((s) => s === status).length;
    expect(delta('auth_attempts_total', { method: 'password', status: 'invalid_credentials' })).toBe(2);
    expect(delta('auth_attempts_total', { method: 'password', status: 'locked' })).toBe(count(429));
    expect(delta('auth_attempts_total', { method: 'password', status: 'success' })).toBe(2);
    expect(delta('auth_attempts_total', { method: 'password', status: 'error' })).toBe(0);
    expect(delta('auth_duration_seconds_count', { method: 'password' })).toBe(statuses.length);
    expect(during.get('auth_attempts_total')?.type).toBe('counter');
    expect(during.get('auth_duration_seconds')?.type).toBe('histogram');

    expect((await call(auth.url, 'POST', '/api/v1/auth/logout', tokens.accessToken)).status).toBe(204);
    const after = await waitFor(
      async () => {
        const m = await scrape(auth.url);
        return value(m, 'active_user_sessions', { role: 'agent' }) === 1 ? m : undefined;
      },
      { timeoutMs: 10_000, message: 'one live agent session' },
    );
    expect(
      value(after, 'session_duration_seconds_count', { role: 'agent' }) -
        value(before, 'session_duration_seconds_count', { role: 'agent' }),
    ).toBe(1);
    expect(after.get('session_duration_seconds')?.type).toBe('histogram');
    expect(after.get('active_user_sessions')?.labelNames).toEqual(['role']);
    expect(after.get('auth_attempts_total')?.labelNames).toEqual(['method', 'status']);
  });
});
