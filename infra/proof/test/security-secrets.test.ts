import { randomBytes } from 'node:crypto';
import {
  serviceEnv,
  startServiceProcess,
  testNamespace,
  waitFor,
  type ServiceName,
  type ServiceProcess,
} from '@support-center/testing';
import { FuzzSocket } from './support/fuzz-socket';
import { send, sendJson, waitReady, type RawResponse } from './support/fuzz-stack';

/**
 * Secrets never logged (issue 22, "Security"): a scripted session through all four services at
 * LOG_LEVEL=debug — logins (good and bad), refresh, logout, user administration, tickets, a file
 * upload and download, chat over a socket with `?token=`, bad tokens, /metrics with and without
 * METRICS_TOKEN — then every line the processes wrote is searched for each secret that went by.
 */

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

describe('secrets in the logs of a full session', () => {
  const ns = testNamespace('sec_secrets');
  const METRICS_TOKEN = secret('metrics-token');
  const ADMIN = { username: 'root', password: secret('admin-password') };
  const EMPLOYEE = { username: 'emma', password: secret('employee-password') };
  const AGENT = { username: 'arne', password: secret('agent-password') };
  const WRONG_PASSWORD = secret('wrong-password');
  const BOGUS_BEARER = `eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.${secret('bogus-signature')}`;
  const secrets = new Map<string, string>([
    ['METRICS_TOKEN', METRICS_TOKEN],
    ['admin password', ADMIN.password],
    ['employee password', EMPLOYEE.password],
    ['agent password', AGENT.password],
    ['a wrong password tried', WRONG_PASSWORD],
    ['a bogus bearer value', BOGUS_BEARER],
  ]);
  const services: Partial<Record<ServiceName, ServiceProcess>> = {};

  const common = (name: ServiceName) => ({
    ...serviceEnv(ns.database(name)),
    S3_BUCKET: ns.bucket(name),
    KAFKA_TOPIC_PREFIX: ns.topicPrefix,
    KAFKA_TOPIC_PARTITIONS: '1',
    LOG_LEVEL: 'debug',
    METRICS_TOKEN,
    OUTBOX_POLL_INTERVAL_MS: '200',
  });

  afterAll(async () => {
    await Promise.all(Object.values(services).map((s) => s.stop('SIGTERM')));
  });

  function remember(label: string, value: unknown): void {
    if (typeof value === 'string' && value.length >= 16) {
      secrets.set(label, value);
      // A JWT's signature alone identifies it; its header is shared by every token, so not searched.
      const parts = value.split('.');
      if (parts.length === 3 && (parts[2]?.length ?? 0) >= 16)
        secrets.set(`${label} (signature)`, parts[2] as string);
    }
  }

  async function login(url: string, who: { username: string; password: string }, label: string) {
    const res = await sendJson(url, 'POST', '/api/v1/auth/login', who);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { accessToken: string; refreshToken: string; user: { id: string } };
    remember(`${label} access token`, body.accessToken);
    remember(`${label} refresh token`, body.refreshToken);
    return body;
  }

  it('runs a scripted session and finds no secret in any line the services wrote', async () => {
    services.auth = await startServiceProcess('auth', {
      ...common('auth'),
      AUTH_BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    });
    const auth = services.auth.url;
    const jwks = `${auth}/.well-known/jwks.json`;
    await Promise.all(
      (['ticket', 'file', 'realtime'] as const).map(async (name) => {
        services[name] = await startServiceProcess(name, { ...common(name), AUTH_JWKS_URL: jwks });
      }),
    );
    await Promise.all(Object.values(services).map((s) => waitReady(s)));
    const ticket = (services.ticket as ServiceProcess).url;
    const file = (services.file as ServiceProcess).url;
    const realtime = (services.realtime as ServiceProcess).url;

    // Auth: the admin logs in, creates users; a failed login; the employee logs in, refreshes.
    const admin = await waitFor(
      async () =>
        (await sendJson(auth, 'POST', '/api/v1/auth/login', ADMIN)).status === 200
          ? login(auth, ADMIN, 'admin')
          : undefined,
      { timeoutMs: 30_000, message: 'the bootstrap admin to log in' },
    );
    for (const [user, role] of [
      [EMPLOYEE, 'employee'],
      [AGENT, 'agent'],
    ] as const) {
      const res = await sendJson(auth, 'POST', '/api/v1/users', { ...user, role }, admin.accessToken);
      expect(res.status).toBe(201);
    }
    expect(
      (await sendJson(auth, 'POST', '/api/v1/auth/login', { ...EMPLOYEE, password: WRONG_PASSWORD })).status,
    ).toBe(401);
    const employeeFirst = await login(auth, EMPLOYEE, 'employee');
    const refreshed = await sendJson(auth, 'POST', '/api/v1/auth/refresh', {
      refreshToken: employeeFirst.refreshToken,
    });
    expect(refreshed.status).toBe(200);
    const employee = JSON.parse(refreshed.text) as { accessToken: string; refreshToken: string };
    remember('refreshed access token', employee.accessToken);
    remember('refreshed refresh token', employee.refreshToken);
    const agent = await login(auth, AGENT, 'agent');
    expect(
      (await send(auth, { method: 'GET', path: '/api/v1/auth/me', token: employee.accessToken })).status,
    ).toBe(200);
    const newPassword = secret('new-agent-password');
    secrets.set('a password set by PATCH', newPassword);
    const patched = await sendJson(
      auth,
      'PATCH',
      `/api/v1/users/${agent.user.id}`,
      { password: newPassword },
      admin.accessToken,
    );
    expect(patched.status).toBe(200);

    // Tickets with Authorization headers, a bad token, and a token in a query string.
    const created = await sendJson(
      ticket,
      'POST',
      '/api/v1/tickets',
      { title: 'VPN down', description: 'Since this morning', category: 'network', priority: 'high' },
      employee.accessToken,
    );
    expect(created.status).toBe(201);
    const ticketId = (JSON.parse(created.text) as { id: string }).id;
    expect(
      (
        await sendJson(
          ticket,
          'POST',
          `/api/v1/tickets/${ticketId}/comments`,
          { body: 'Any news?' },
          employee.accessToken,
        )
      ).status,
    ).toBe(201);
    expect(
      (await send(ticket, { method: 'GET', path: `/api/v1/tickets/${ticketId}`, token: agent.accessToken }))
        .status,
    ).toBe(200);
    expect(
      (
        await sendJson(
          ticket,
          'POST',
          `/api/v1/tickets/${ticketId}/status`,
          { status: 'in_progress' },
          agent.accessToken,
        )
      ).status,
    ).toBe(200);
    for (const [url, path] of [
      [ticket, '/api/v1/tickets'],
      [file, '/api/v1/files/x/meta'],
      [realtime, '/api/v1/chat/x/messages'],
      [auth, '/api/v1/auth/me'],
    ] as const) {
      expect((await send(url, { method: 'GET', path, token: BOGUS_BEARER })).status).toBe(401);
      await send(url, {
        method: 'GET',
        path: `/api/v1/nowhere?token=${employee.accessToken}&password=${EMPLOYEE.password}`,
      });
      await send(url, {
        method: 'POST',
        path: '/api/v1/nowhere',
        headers: { 'content-type': 'application/json' },
        body: `{"password":"${EMPLOYEE.password}",`,
      });
    }

    // A file upload and download, once the file service has heard of the ticket.
    const boundary = 'secretsboundary';
    const upload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="ticketId"\r\n\r\n${ticketId}\r\n`),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n`,
      ),
      Buffer.from('plain notes\n'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const uploaded = await waitFor(
      async () => {
        const res: RawResponse = await send(file, {
          method: 'POST',
          path: '/api/v1/files',
          token: employee.accessToken,
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
          body: upload,
        });
        return res.status === 201 ? res : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300, message: 'the upload to be accepted' },
    );
    const fileId = (JSON.parse(uploaded.text) as { id: string }).id;
    expect(
      (await send(file, { method: 'GET', path: `/api/v1/files/${fileId}`, token: agent.accessToken })).status,
    ).toBe(200);

    // Chat with the token in the socket URL, and a refused socket.
    const chat = await FuzzSocket.open(realtime, '/chat', employee.accessToken);
    await waitFor(
      async () => {
        const from = chat.frames.length;
        chat.send(JSON.stringify({ type: 'join', ticketId }));
        return (await chat.next((f) => f.ticketId === ticketId, from)).type === 'history';
      },
      { timeoutMs: 30_000, intervalMs: 300, message: 'the chat room to open' },
    );
    chat.send(JSON.stringify({ type: 'message', ticketId, body: 'hello' }));
    await chat.next((f) => f.type === 'message');
    chat.send('not json');
    await chat.close();
    await FuzzSocket.open(realtime, '/ws/notifications', BOGUS_BEARER).catch(() => undefined);

    // /metrics with the right token, a wrong one and none.
    for (const service of Object.values(services)) {
      expect(
        (await send(service.url, { method: 'GET', path: '/metrics', token: METRICS_TOKEN })).status,
      ).toBe(200);
      expect(
        (await send(service.url, { method: 'GET', path: '/metrics', token: `${METRICS_TOKEN}x` })).status,
      ).toBe(401);
      expect((await send(service.url, { method: 'GET', path: '/metrics' })).status).toBe(401);
    }

    // Logout, then the logs as they are once every process has stopped (shutdown lines included).
    expect(
      (
        await sendJson(
          auth,
          'POST',
          '/api/v1/auth/logout',
          { refreshToken: employee.refreshToken },
          employee.accessToken,
        )
      ).status,
    ).toBe(204);
    const codes = await Promise.all(Object.values(services).map((s) => s.stop('SIGTERM')));
    expect(codes).toEqual([0, 0, 0, 0]);

    const logs = Object.entries(services).map(([name, s]) => ({ name, text: s.output() }));
    for (const { name, text } of logs) {
      // Debug logging really ran: a served request was logged.
      expect(`${name}: ${text}`).toMatch(/"level":"debug"/);
    }
    const leaks: string[] = [];
    for (const { name, text } of logs) {
      for (const [label, value] of secrets) {
        const lines = text
          .split('\n')
          .filter((line) => line.includes(value) || line.includes(encodeURIComponent(value)));
        for (const line of lines) leaks.push(`${name} logged the ${label}: ${line.slice(0, 300)}`);
      }
    }
    process.stdout.write(
      `secrets scan: ${secrets.size} secrets, ${logs.map(({ name, text }) => `${name} ${text.split('\n').length} lines`).join(', ')}\n`,
    );
    expect(leaks).toEqual([]);
  });
});
