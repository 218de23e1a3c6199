import {
  serviceEnv,
  startServiceProcess,
  testNamespace,
  waitFor,
  type ServiceName,
  type ServiceProcess,
} from '@support-center/testing';
import WebSocket from 'ws';
import {
  CLOSE_CODES,
  createSupportClient,
  openChatSocket,
  openNotificationSocket,
  type SupportClient,
  type WebSocketConstructor,
} from '../src';

/**
 * The client against the real services (each a process, the real auth signing the tokens): at
 * least one typed call per service and both sockets, as a frontend would use them.
 */
const ADMIN = { username: 'client-root', password: 'client-bootstrap-pass-1' };
const PASSWORD = 'client-correct-horse-1';
const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

describe('the typed client', () => {
  const ns = testNamespace('client');
  const started: ServiceProcess[] = [];
  const sockets: { close(): Promise<unknown> }[] = [];
  const urls = {} as Record<ServiceName, string>;
  let admin: SupportClient;

  const clientFor = (token?: string) =>
    createSupportClient({ baseUrl: urls.ticket, serviceUrls: urls, token });

  beforeAll(async () => {
    const common = (name: ServiceName): Record<string, string> => ({
      ...serviceEnv(ns.database(name)),
      S3_BUCKET: ns.bucket(name),
      KAFKA_TOPIC_PREFIX: ns.topicPrefix,
      KAFKA_TOPIC_PARTITIONS: '1',
      WRITE_RATE_LIMIT: '0',
      OUTBOX_POLL_INTERVAL_MS: '200',
    });
    const auth = await startServiceProcess('auth', {
      ...common('auth'),
      AUTH_BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    });
    started.push(auth);
    const jwks = { AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json` };
    // One at a time: four services booting at once on a small machine miss their start deadline.
    for (const name of ['ticket', 'file', 'realtime'] as const)
      started.push(await startServiceProcess(name, { ...common(name), ...jwks }));
    for (const service of started) urls[service.name] = service.url;
    await Promise.all(
      started.map((service) =>
        waitFor(async () => (await fetch(`${service.url}/ready`)).status === 200, {
          timeoutMs: 60_000,
          ignoreErrors: true,
          message: `${service.name} /ready 200`,
        }),
      ),
    );
    const token = await waitFor(
      async () => {
        const { data } = await clientFor().auth.POST('/api/v1/auth/login', { body: ADMIN });
        return data?.accessToken;
      },
      { timeoutMs: 30_000, intervalMs: 250, message: 'the bootstrap admin to log in' },
    );
    admin = clientFor(token);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.close()));
    await Promise.all(started.map((service) => service.stop()));
  });

  async function user(username: string, role: 'employee' | 'agent') {
    const { data, error, response } = await admin.auth.POST('/api/v1/users', {
      body: { username, password: PASSWORD, role, displayName: username },
    });
    if (!data) throw new Error(`creating ${username}: ${response.status} ${JSON.stringify(error)}`);
    const login = await clientFor().auth.POST('/api/v1/auth/login', {
      body: { username, password: PASSWORD },
    });
    if (!login.data) throw new Error(`${username} could not log in: ${JSON.stringify(login.error)}`);
    return { id: data.id, token: login.data.accessToken, client: clientFor(login.data.accessToken) };
  }

  function track<S extends { close(): Promise<unknown> }>(socket: S): S {
    sockets.push(socket);
    return socket;
  }

  it('drives a ticket through every service and both sockets', async () => {
    const employee = await user('client-employee', 'employee');
    const agent = await user('client-agent', 'agent');

    // auth: who am I
    const me = await employee.client.auth.GET('/api/v1/auth/me');
    expect(me.data).toMatchObject({ id: employee.id, role: 'employee' });

    // ticket: create, typed body and answer
    const created = await employee.client.tickets.POST('/api/v1/tickets', {
      body: { title: 'VPN drops', description: 'Every ten minutes', category: 'network', priority: 'high' },
    });
    expect(created.response.status).toBe(201);
    const ticketId = created.data!.id;

    // the requester's notification socket: the unread count first
    const notifications = track(
      openNotificationSocket({ baseUrl: urls.realtime, token: employee.token, WebSocket: NodeWebSocket }),
    );
    await notifications.opened;
    expect((await notifications.next('unread')).count).toBe(0);

    // the agent assigns: the requester is notified
    const assigned = notifications.next('notification', (f) => f.event === 'ticket.assigned');
    const assign = await agent.client.tickets.POST('/api/v1/tickets/{id}/assign', {
      params: { path: { id: ticketId } },
      body: { assigneeId: agent.id },
    });
    expect(assign.response.status).toBe(200);
    expect((await assigned).data).toMatchObject({ ticketId });

    // file: a multipart upload, then its metadata
    const upload = await employee.client.uploadFile({
      ticketId,
      file: new Blob(['vpn log line\n'], { type: 'text/plain' }),
      fileName: 'vpn.log',
    });
    expect(upload.response.status).toBe(201);
    const meta = await employee.client.files.GET('/api/v1/files/{id}/meta', {
      params: { path: { id: upload.data!.id } },
    });
    expect(meta.data).toMatchObject({ name: 'vpn.log', ticketId, size: 13 });

    // chat: join (history), post, and the other party gets the message
    const employeeChat = track(
      openChatSocket({ baseUrl: urls.realtime, token: employee.token, WebSocket: NodeWebSocket }),
    );
    const agentChat = track(
      openChatSocket({ baseUrl: urls.realtime, token: agent.token, WebSocket: NodeWebSocket }),
    );
    await Promise.all([employeeChat.opened, agentChat.opened]);
    // The realtime service learns of the ticket from Kafka: join until the room is known.
    for (const chat of [employeeChat, agentChat]) {
      await waitFor(
        async () => {
          const answer = Promise.race([
            chat.next('history', (f) => f.ticketId === ticketId),
            chat.next('error', (f) => f.ticketId === ticketId),
          ]);
          chat.join(ticketId);
          return (await answer).type === 'history';
        },
        { timeoutMs: 30_000, intervalMs: 200, message: 'the chat room to be known' },
      );
    }
    const delivered = agentChat.next('message', (f) => f.ticketId === ticketId);
    employeeChat.post(ticketId, 'Still dropping');
    const message = await delivered;
    expect(message).toMatchObject({ authorId: employee.id, body: 'Still dropping', seq: 1 });

    // realtime REST: the same message in the history, and the notification history
    const history = await agent.client.realtime.GET('/api/v1/chat/{ticketId}/messages', {
      params: { path: { ticketId }, query: { limit: 10 } },
    });
    expect(history.data?.items.map((m) => m.body)).toEqual(['Still dropping']);
    const page = await employee.client.realtime.GET('/api/v1/notifications', { params: { query: {} } });
    expect(page.data?.items.map((n) => n.event)).toContain('ticket.assigned');
    const readAll = await employee.client.realtime.POST('/api/v1/notifications/read-all');
    expect(readAll.data?.marked).toBeGreaterThan(0);
  });

  it('answers errors in the shared shape, typed, without throwing', async () => {
    const anonymous = clientFor();
    const { data, error, response } = await anonymous.tickets.GET('/api/v1/tickets/{id}', {
      params: { path: { id: 'nope' } },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(401);
    expect(error?.error.code).toBe('UNAUTHORIZED');
  });

  it('closes a socket without a valid token with 4401', async () => {
    const socket = openChatSocket({ baseUrl: urls.realtime, token: 'not-a-token', WebSocket: NodeWebSocket });
    // The server completes the upgrade, then closes: browsers never see an upgrade's status.
    expect((await socket.closed).code).toBe(CLOSE_CODES.unauthorized);
    await expect(socket.next('history')).rejects.toThrow(/closed \(4401/);
  });

  it('reads the token before every request, so a refreshed token is used', async () => {
    const session: { token?: string } = {};
    const client = createSupportClient({ baseUrl: urls.auth, token: () => session.token });
    expect((await client.auth.GET('/api/v1/auth/me')).response.status).toBe(401);
    session.token = (await clientFor().auth.POST('/api/v1/auth/login', { body: ADMIN })).data!.accessToken;
    expect((await client.auth.GET('/api/v1/auth/me')).response.status).toBe(200);
  });
});
