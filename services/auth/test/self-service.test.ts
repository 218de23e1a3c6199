import { waitFor } from '@support-center/testing';
import {
  ADMIN,
  call,
  collectAuthEvents,
  createUser,
  login,
  loginOk,
  startAuth,
  type AuthUnderTest,
  type Tokens,
} from './support';

const THRESHOLD = 3;
const sessionOf = (tokens: Tokens) => tokens.refreshToken.split('.')[0] as string;

describe('self-service: password change and logout everywhere', () => {
  let auth: AuthUnderTest;
  let events: Awaited<ReturnType<typeof collectAuthEvents>>;
  let adminToken: string;

  beforeAll(async () => {
    auth = await startAuth(
      { AUTH_LOCKOUT_ACCOUNT_THRESHOLD: String(THRESHOLD), AUTH_LOCKOUT_ADDRESS_THRESHOLD: '1000' },
      'self-service',
    );
    events = await collectAuthEvents(auth.ns);
    adminToken = (await loginOk(auth.url, ADMIN.username, ADMIN.password)).accessToken;
  });
  afterAll(async () => {
    await events?.stop();
    await auth?.stop();
  });

  const changePassword = (token: string | undefined, body: unknown) =>
    call(auth.url, 'POST', '/api/v1/auth/password', token, body);
  const errorOf = async (res: Response) =>
    ((await res.json()) as { error: { code: string; details?: unknown } }).error;
  const refresh = (tokens: Tokens) =>
    call(auth.url, 'POST', '/api/v1/auth/refresh', undefined, { refreshToken: tokens.refreshToken });
  const me = (tokens: Tokens) => call(auth.url, 'GET', '/api/v1/auth/me', tokens.accessToken);
  const revokedFor = (userId: string, count: number) =>
    waitFor(
      () => {
        const mine = events.received.filter((e) => e.type === 'session.revoked' && e.subject === userId);
        return mine.length >= count ? mine : undefined;
      },
      { timeoutMs: 15_000, message: `${count} session.revoked events` },
    );

  it('changes the password and ends every other session of the user, each revoked with its event', async () => {
    const user = await createUser(auth.url, adminToken, 'margaret', 'agent');
    const current = await loginOk(auth.url, 'margaret', 'correct-horse-1');
    const others = await Promise.all([1, 2, 3].map(() => loginOk(auth.url, 'margaret', 'correct-horse-1')));

    const res = await changePassword(current.accessToken, {
      currentPassword: 'correct-horse-1',
      newPassword: 'apollo guidance computer',
    });
    expect(res.status).toBe(204);

    expect((await login(auth.url, 'margaret', 'correct-horse-1')).status).toBe(401);
    expect((await login(auth.url, 'margaret', 'apollo guidance computer')).status).toBe(200);
    // The session that changed it stays; the others are over, refresh tokens and access tokens alike.
    expect((await me(current)).status).toBe(200);
    expect((await refresh(current)).status).toBe(200);
    for (const other of others) {
      const refused = await me(other);
      expect(refused.status).toBe(401);
      expect((await errorOf(refused)).code).toBe('TOKEN_REVOKED');
      expect((await refresh(other)).status).toBe(401);
    }
    const revoked = await revokedFor(user.id, others.length);
    expect(Object.fromEntries(revoked.map((e) => [e.data.sessionId, e.data.reason]))).toEqual(
      Object.fromEntries(others.map((o) => [sessionOf(o), 'password_changed'])),
    );
  });

  it('requires the current password and applies the password policy to the new one', async () => {
    await createUser(auth.url, adminToken, 'barbara');
    const tokens = await loginOk(auth.url, 'barbara', 'correct-horse-1');
    const cases: [unknown, number, { field: string; message: string }[]][] = [
      [
        { currentPassword: 'not-the-password', newPassword: 'a perfectly fine passphrase' },
        422,
        [{ field: 'currentPassword', message: 'is not the current password' }],
      ],
      [
        { currentPassword: 'correct-horse-1', newPassword: 'short' },
        422,
        [{ field: 'newPassword', message: 'must be at least 12 characters' }],
      ],
      [
        { currentPassword: 'correct-horse-1', newPassword: 'i am Barbara, really' },
        422,
        [{ field: 'newPassword', message: 'must not contain the username' }],
      ],
      [
        { currentPassword: 'correct-horse-1', newPassword: 'correct-horse-1' },
        422,
        [{ field: 'newPassword', message: 'must differ from the current password' }],
      ],
      [
        { newPassword: 'a perfectly fine passphrase' },
        422,
        [{ field: 'currentPassword', message: expect.any(String) }],
      ],
    ];
    for (const [body, status, details] of cases) {
      const res = await changePassword(tokens.accessToken, body);
      expect({ body, status: res.status, details: (await errorOf(res)).details }).toEqual({
        body,
        status,
        details,
      });
    }
    expect((await changePassword(undefined, { currentPassword: 'x', newPassword: 'y' })).status).toBe(401);
    // Nothing changed, and the session is still there.
    expect((await login(auth.url, 'barbara', 'correct-horse-1')).status).toBe(200);
    expect((await me(tokens)).status).toBe(200);
  });

  it('counts a wrong current password like a failed login: the account locks, for logins too', async () => {
    await createUser(auth.url, adminToken, 'frances');
    const tokens = await loginOk(auth.url, 'frances', 'correct-horse-1');
    for (let i = 0; i < THRESHOLD; i += 1) {
      const res = await changePassword(tokens.accessToken, {
        currentPassword: `guess-${i}`,
        newPassword: 'a perfectly fine passphrase',
      });
      expect(res.status).toBe(422);
    }
    const locked = await changePassword(tokens.accessToken, {
      currentPassword: 'correct-horse-1',
      newPassword: 'a perfectly fine passphrase',
    });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(auth.url, 'frances', 'correct-horse-1')).status).toBe(429);
  });

  it(`checks at most the threshold's number of current passwords under 30 parallel guesses`, async () => {
    await createUser(auth.url, adminToken, 'hedy');
    const tokens = await loginOk(auth.url, 'hedy', 'correct-horse-1');
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        changePassword(tokens.accessToken, {
          currentPassword: `parallel-guess-${i}`,
          newPassword: 'a perfectly fine passphrase',
        }).then((res) => res.status),
      ),
    );
    // 422 is a checked (wrong) guess; 429 was refused without a check.
    expect(answers.filter((s) => s === 422).length).toBeLessThanOrEqual(THRESHOLD);
    expect(answers.filter((s) => s !== 422 && s !== 429)).toEqual([]);
  });

  it('logs out everywhere: every session ends, this one too, each a logout revoked everywhere', async () => {
    const user = await createUser(auth.url, adminToken, 'radia', 'admin');
    const sessions = await Promise.all([1, 2, 3].map(() => loginOk(auth.url, 'radia', 'correct-horse-1')));
    const first = sessions[0] as Tokens;
    expect((await call(auth.url, 'POST', '/api/v1/auth/logout-all', first.accessToken)).status).toBe(204);

    for (const tokens of sessions) {
      const refused = await me(tokens);
      expect(refused.status).toBe(401);
      expect((await errorOf(refused)).code).toBe('TOKEN_REVOKED');
      expect((await refresh(tokens)).status).toBe(401);
    }
    expect((await call(auth.url, 'POST', '/api/v1/auth/logout-all', first.accessToken)).status).toBe(401);
    const revoked = await revokedFor(user.id, sessions.length);
    expect(Object.fromEntries(revoked.map((e) => [e.data.sessionId, e.data.reason]))).toEqual(
      Object.fromEntries(sessions.map((s) => [sessionOf(s), 'logout'])),
    );
    const loggedOut = await waitFor(
      () => {
        const mine = events.received.filter((e) => e.type === 'user.logged_out' && e.subject === user.id);
        return mine.length >= sessions.length ? mine : undefined;
      },
      { timeoutMs: 15_000, message: 'a user.logged_out per session' },
    );
    expect(new Set(loggedOut.map((e) => e.data.sessionId))).toEqual(new Set(sessions.map(sessionOf)));
    // The password still works: a new session starts.
    expect((await login(auth.url, 'radia', 'correct-horse-1')).status).toBe(200);
  });
});
