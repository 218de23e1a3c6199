import { randomBytes } from 'node:crypto';
import {
  serviceEnv,
  startServiceProcess,
  testNamespace,
  waitFor,
  type ServiceName,
  type ServiceProcess,
} from '@support-center/testing';
import { waitReady } from './support/fuzz-stack';
import { RecordingSocket } from './support/sockets';

/**
 * Issue 28, item 6: a session ended at the auth service (deactivation, logout, a reused refresh
 * token) ends its access tokens everywhere within seconds: the ticket, file and realtime services
 * refuse them with 401 TOKEN_REVOKED, and realtime closes the sockets they opened with 4401.
 * The real auth service signs the tokens; every service is a process, as in production.
 */
const ADMIN = { username: 'revocation-root', password: 'revocation-bootstrap-1' };
const PASSWORD = 'correct-horse-battery-1';
const WITHIN = { timeoutMs: 30_000, intervalMs: 100 };

interface Tokens {
  accessToken: string;
  refreshToken: string;
  user: { id: string };
}

describe('revocation reaches every service', () => {
  const ns = testNamespace('proof_revocation');
  const started: ServiceProcess[] = [];
  let auth: ServiceProcess;
  let ticket: ServiceProcess;
  /** A second ticket replica: with one partition only one replica consumes, the other reads the database. */
  let replica: ServiceProcess;
  let file: ServiceProcess;
  let realtime: ServiceProcess;
  let adminToken: string;
  const sockets: RecordingSocket[] = [];

  beforeAll(async () => {
    const common = (name: ServiceName): Record<string, string> => ({
      ...serviceEnv(ns.database(name)),
      S3_BUCKET: ns.bucket(name),
      KAFKA_TOPIC_PREFIX: ns.topicPrefix,
      KAFKA_TOPIC_PARTITIONS: '1',
      WRITE_RATE_LIMIT: '0',
      OUTBOX_POLL_INTERVAL_MS: '200',
    });
    auth = await startServiceProcess('auth', {
      ...common('auth'),
      AUTH_BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    });
    started.push(auth);
    const jwks = { AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json` };
    const start = async (name: ServiceName) => {
      const service = await startServiceProcess(name, { ...common(name), ...jwks });
      started.push(service);
      return service;
    };
    [ticket, replica, file, realtime] = await Promise.all([
      start('ticket'),
      start('ticket'),
      start('file'),
      start('realtime'),
    ]);
    await Promise.all(started.map((service) => waitReady(service)));
    adminToken = (
      await waitFor(() => login(ADMIN.username, ADMIN.password), {
        timeoutMs: 30_000,
        intervalMs: 250,
        message: 'the bootstrap admin to log in',
      })
    ).accessToken;
  });

  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.close()));
    await Promise.all(started.map((service) => service.stop()));
  });

  async function login(username: string, password = PASSWORD): Promise<Tokens | undefined> {
    const res = await post(auth, '/api/v1/auth/login', { username, password });
    return res.status === 200 ? ((await res.json()) as Tokens) : undefined;
  }

  async function loginOk(username: string): Promise<Tokens> {
    const tokens = await login(username);
    if (!tokens) throw new Error(`${username} could not log in`);
    return tokens;
  }

  async function createUser(username: string): Promise<string> {
    const res = await post(
      auth,
      '/api/v1/users',
      { username, password: PASSWORD, role: 'employee' },
      adminToken,
    );
    if (res.status !== 201) throw new Error(`creating ${username}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  function post(service: ServiceProcess, path: string, body: unknown, token?: string) {
    return fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  const createTicket = (token: string, on: ServiceProcess = ticket) =>
    post(
      on,
      '/api/v1/tickets',
      { title: 'Printer on fire', description: 'Smoke since 9', category: 'hardware', priority: 'high' },
      token,
    );
  const fileMeta = (token: string) =>
    fetch(`${file.url}/api/v1/files/${randomBytes(12).toString('hex')}/meta`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const chatHistory = (token: string) =>
    fetch(`${realtime.url}/api/v1/chat/${randomBytes(12).toString('hex')}/messages`, {
      headers: { authorization: `Bearer ${token}` },
    });

  /** Every service answers this token's requests as usual (not 401). */
  async function expectAccepted(token: string): Promise<void> {
    expect((await createTicket(token)).status).toBe(201);
    expect((await fileMeta(token)).status).toBe(404);
    expect((await chatHistory(token)).status).toBe(404);
  }

  /** Waits for `request` to be refused as revoked; resolves with when that was first seen. */
  async function refusedAt(what: string, request: () => Promise<Response>): Promise<number> {
    await waitFor(
      async () => {
        const res = await request();
        if (res.status !== 401) return false;
        const body = (await res.json()) as { error: { code: string } };
        return body.error.code === 'TOKEN_REVOKED';
      },
      { ...WITHIN, message: `${what} to refuse the revoked token` },
    );
    return performance.now();
  }

  async function openSockets(token: string): Promise<RecordingSocket[]> {
    const opened = await Promise.all([
      RecordingSocket.open(realtime.url, '/ws/notifications', token),
      RecordingSocket.open(realtime.url, '/chat', token),
    ]);
    sockets.push(...opened);
    return opened;
  }

  async function closedAt(socket: RecordingSocket): Promise<number> {
    const code = await Promise.race([
      socket.closed,
      new Promise<'open'>((done) => setTimeout(() => done('open'), WITHIN.timeoutMs).unref()),
    ]);
    expect(code).toBe(4401);
    return performance.now();
  }

  it('refuses a deactivated user everywhere and closes their sockets with 4401', async () => {
    const id = await createUser('dora');
    const tokens = await loginOk('dora');
    await expectAccepted(tokens.accessToken);
    expect((await createTicket(tokens.accessToken, replica)).status).toBe(201);
    const [notifications, chat] = await openSockets(tokens.accessToken);
    await createUser('bea');
    const bystander = await loginOk('bea');

    const deactivatedAt = performance.now();
    const res = await fetch(`${auth.url}/api/v1/users/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ active: false }),
    });
    expect(res.status).toBe(200);

    const [ticketRefused, replicaRefused, fileRefused, realtimeRefused, notificationsClosed, chatClosed] =
      await Promise.all([
        refusedAt('the ticket service', () => createTicket(tokens.accessToken)),
        refusedAt('the other ticket replica', () => createTicket(tokens.accessToken, replica)),
        refusedAt('the file service', () => fileMeta(tokens.accessToken)),
        refusedAt('the realtime service', () => chatHistory(tokens.accessToken)),
        closedAt(notifications as RecordingSocket),
        closedAt(chat as RecordingSocket),
      ]);
    // The figures the issue asks for, in the test's output.
    console.log(
      `deactivation → refused: ticket ${Math.round(ticketRefused - deactivatedAt)} ms and ${Math.round(
        replicaRefused - deactivatedAt,
      )} ms (its two replicas), file ${Math.round(
        fileRefused - deactivatedAt,
      )} ms, realtime ${Math.round(realtimeRefused - deactivatedAt)} ms; sockets closed: ${Math.round(
        notificationsClosed - deactivatedAt,
      )} ms, ${Math.round(chatClosed - deactivatedAt)} ms`,
    );
    // Nobody else is affected, and a new socket with the old token is refused too.
    await expectAccepted(bystander.accessToken);
    // (The upgrade completes, then the close code says why: browsers never see an upgrade's status.)
    const again = await RecordingSocket.open(realtime.url, '/ws/notifications', tokens.accessToken);
    sockets.push(again);
    await closedAt(again);
  });

  it('refuses the access token of a session that logged out', async () => {
    await createUser('lou');
    const tokens = await loginOk('lou');
    const other = await loginOk('lou');
    await expectAccepted(tokens.accessToken);
    const [notifications] = await openSockets(tokens.accessToken);
    const [otherSocket] = await openSockets(other.accessToken);

    const out = await fetch(`${auth.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    expect(out.status).toBe(204);

    await Promise.all([
      refusedAt('the ticket service', () => createTicket(tokens.accessToken)),
      refusedAt('the file service', () => fileMeta(tokens.accessToken)),
      closedAt(notifications as RecordingSocket),
    ]);
    // Only that session ended: the same user's other session goes on.
    await expectAccepted(other.accessToken);
    expect(otherSocket?.closeCode).toBeUndefined();
  });

  it('refuses every access token of a session whose refresh token was reused', async () => {
    await createUser('rita');
    const first = await loginOk('rita');
    const rotated = await post(auth, '/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(rotated.status).toBe(200);
    const second = (await rotated.json()) as Tokens;
    await expectAccepted(second.accessToken);

    const reuse = await post(auth, '/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(reuse.status).toBe(401);

    await Promise.all(
      [first.accessToken, second.accessToken].flatMap((token) => [
        refusedAt('the ticket service', () => createTicket(token)),
        refusedAt('the file service', () => fileMeta(token)),
      ]),
    );
  });

  it("refuses the user's other sessions everywhere after a password change; the changing one goes on", async () => {
    await createUser('pat');
    const changing = await loginOk('pat');
    const others = [await loginOk('pat'), await loginOk('pat')];
    for (const other of others) await expectAccepted(other.accessToken);
    const otherSockets = (await Promise.all(others.map((other) => openSockets(other.accessToken)))).flat();
    const [ownSocket] = await openSockets(changing.accessToken);

    const changedAt = performance.now();
    const res = await post(
      auth,
      '/api/v1/auth/password',
      { currentPassword: PASSWORD, newPassword: 'a new and long passphrase' },
      changing.accessToken,
    );
    expect(res.status).toBe(204);

    const refused = await Promise.all([
      ...others.flatMap((other) => [
        refusedAt('the ticket service', () => createTicket(other.accessToken)),
        refusedAt('the other ticket replica', () => createTicket(other.accessToken, replica)),
        refusedAt('the file service', () => fileMeta(other.accessToken)),
        refusedAt('the realtime service', () => chatHistory(other.accessToken)),
      ]),
      ...otherSockets.map((socket) => closedAt(socket)),
    ]);
    console.log(
      `password change → other sessions refused everywhere, sockets closed: within ${Math.round(
        Math.max(...refused) - changedAt,
      )} ms`,
    );
    await expectAccepted(changing.accessToken);
    expect(ownSocket?.closeCode).toBeUndefined();
  });

  it('refuses every session of the user everywhere after a logout everywhere', async () => {
    await createUser('eve');
    const sessions = [await loginOk('eve'), await loginOk('eve')];
    for (const session of sessions) await expectAccepted(session.accessToken);
    const opened = (await Promise.all(sessions.map((session) => openSockets(session.accessToken)))).flat();

    const res = await post(auth, '/api/v1/auth/logout-all', undefined, sessions[0]?.accessToken);
    expect(res.status).toBe(204);

    await Promise.all([
      ...sessions.flatMap((session) => [
        refusedAt('the ticket service', () => createTicket(session.accessToken)),
        refusedAt('the file service', () => fileMeta(session.accessToken)),
        refusedAt('the realtime service', () => chatHistory(session.accessToken)),
      ]),
      ...opened.map((socket) => closedAt(socket)),
    ]);
  });

  it('keeps refusing after a restart of the service', async () => {
    await createUser('remy');
    const tokens = await loginOk('remy');
    await post(auth, '/api/v1/auth/logout', {}, tokens.accessToken);
    await refusedAt('the ticket service', () => createTicket(tokens.accessToken));

    const index = started.indexOf(ticket);
    await ticket.stop();
    ticket = await startServiceProcess('ticket', {
      ...serviceEnv(ns.database('ticket')),
      KAFKA_TOPIC_PREFIX: ns.topicPrefix,
      KAFKA_TOPIC_PARTITIONS: '1',
      WRITE_RATE_LIMIT: '0',
      AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json`,
    });
    started[index] = ticket;
    await waitReady(ticket);
    // Ready means the stored revocations are loaded: the very first request is refused.
    const res = await createTicket(tokens.accessToken);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TOKEN_REVOKED');
  });
});
