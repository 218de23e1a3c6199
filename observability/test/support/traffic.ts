import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import WebSocket from 'ws';
import { createSupportClient, type SupportClient } from '@support-center/client';
import { kafkaBrokers, waitFor } from '@support-center/testing';

/**
 * Business traffic for the system test, scripted so that every family each service owns gets
 * samples (infra/load's mix is random, so a short run may skip an action). Each `round()` goes
 * through every service once; running it more than once, a few scrapes apart, makes every counter
 * and histogram rise after Prometheus first saw it, so rate() and histogram_quantile() have data.
 */

export interface StackUrls {
  auth: string;
  ticket: string;
  file: string;
  realtime: string;
}

interface Session {
  id: string;
  token: string;
  /** The typed client of the services, calling as this user. */
  api: SupportClient;
}

type Category = 'hardware' | 'network';
type Priority = 'high' | 'low';

export interface Frame {
  type: string;
  [field: string]: unknown;
}

/** A 1×1 PNG: real magic bytes, so the file service's content checks accept it. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

/** A WebSocket that records the frames it receives, for the traffic to wait on. */
export class Socket {
  readonly frames: Frame[] = [];
  closeCode?: number;
  private readonly ws: WebSocket;
  private readonly opened: Promise<void>;

  constructor(url: string) {
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString()) as Frame));
    ws.on('error', () => undefined); // a refused or cut socket shows in closeCode
    this.opened = new Promise((done) => {
      ws.once('open', () => done());
      ws.once('close', (code) => {
        this.closeCode = code;
        done();
      });
    });
  }

  /** Resolves once the socket is open, or closed (a refused one). */
  ready(): Promise<void> {
    return this.opened;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame from index `from` on that matches. */
  async next(match: (frame: Frame) => boolean, from = 0, timeoutMs = 15_000): Promise<Frame> {
    return waitFor(
      () => {
        const frame = this.frames.slice(from).find(match);
        if (!frame && this.closeCode !== undefined) throw new Error(`socket closed with ${this.closeCode}`);
        return frame;
      },
      { timeoutMs, message: `a frame matching ${match.toString()}; got ${JSON.stringify(this.frames)}` },
    );
  }

  close(): void {
    this.ws.close(1000);
  }
}

/** The test's users: an admin (bootstrapped), an agent and an employee created through the API. */
export class Traffic {
  private agent!: Session;
  private employee!: Session;
  private readonly sockets: Socket[] = [];
  private chat!: Socket;
  private notifications!: Socket;
  private producer?: Producer;
  /** Tickets created by the employee, by round. */
  readonly tickets: string[] = [];

  constructor(
    private readonly urls: StackUrls,
    private readonly password: string,
    private readonly topicPrefix: string,
  ) {}

  /** Creates the agent and the employee, opens their sockets and connects a Kafka producer. */
  async start(adminUsername: string): Promise<void> {
    const admin = await this.login(adminUsername);
    for (const [username, role] of [
      ['agent', 'agent'],
      ['employee', 'employee'],
    ] as const) {
      const { response } = await admin.api.auth.POST('/api/v1/users', {
        body: { username, role, password: this.password },
      });
      expectStatus(`creating ${username}`, response.status, 201);
    }
    this.agent = await this.login('agent');
    this.employee = await this.login('employee');

    this.chat = this.socket('/chat', this.employee.token, 'web');
    this.notifications = this.socket('/ws/notifications', this.employee.token, 'mobile');
    this.socket('/ws/notifications', this.agent.token, 'desktop');
    await Promise.all(this.sockets.map((socket) => socket.ready()));
    const refused = this.sockets.filter((socket) => socket.closeCode !== undefined);
    if (refused.length > 0) throw new Error(`sockets closed at once: ${refused.map((s) => s.closeCode)}`);

    const kafka = new Kafka({ clientId: 'system-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    this.producer = kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.close();
    await this.producer?.disconnect();
  }

  /** Every service once: logins, tickets, a file, chat, notifications, errors and 404s. */
  async round(n: number): Promise<void> {
    await Promise.all([this.authTraffic(n), this.poison(n)]);
    const [solved, open] = await Promise.all([
      this.createTicket(n, 'hardware', 'high'),
      this.createTicket(n, 'network', 'low'),
    ]);
    await Promise.all([this.ticketLifecycle(solved), this.fileTraffic(open), this.chatTraffic(open)]);
    await this.errorTraffic();
  }

  /** A failed login, fresh sessions for both users, and a session that ends (logout). */
  private async authTraffic(n: number): Promise<void> {
    // An unknown user each round: no demo account gets locked, and one address stays far from its limit.
    const anonymous = this.client();
    const failed = await anonymous.auth.POST('/api/v1/auth/login', {
      body: { username: `intruder-${n}`, password: 'wrong-password' },
    });
    expectStatus('failed login', failed.response.status, 401);
    this.agent = await this.login('agent');
    this.employee = await this.login('employee');
    const ended = await anonymous.auth.POST('/api/v1/auth/login', {
      body: { username: 'employee', password: this.password },
    });
    expectStatus('login', ended.response.status, 200);
    const logout = await anonymous.auth.POST('/api/v1/auth/logout', {
      body: { refreshToken: ended.data!.refreshToken },
    });
    expectStatus('logout', logout.response.status, 204);
  }

  private async createTicket(n: number, category: Category, priority: Priority): Promise<string> {
    const { data, response } = await this.employee.api.tickets.POST('/api/v1/tickets', {
      body: {
        title: `System test round ${n}: ${category}`,
        description: 'Opened by the observability system test.',
        category,
        priority,
      },
    });
    expectStatus('create ticket', response.status, 201);
    this.tickets.push(data!.id);
    return data!.id;
  }

  /** Read twice (a cache miss, then a hit), assigned, worked on, commented, solved. */
  private async ticketLifecycle(id: string): Promise<void> {
    const params = { path: { id } };
    const agent = this.agent.api.tickets;
    for (let i = 0; i < 2; i += 1)
      expectStatus('read ticket', (await agent.GET('/api/v1/tickets/{id}', { params })).response.status, 200);
    // The agent is assignable once the ticket service has projected auth's user.created.
    await waitFor(
      async () =>
        (await agent.POST('/api/v1/tickets/{id}/assign', { params, body: { assigneeId: this.agent.id } }))
          .response.status === 200,
      { timeoutMs: 20_000, intervalMs: 250, message: `ticket ${id} assigned to the agent` },
    );
    const status = async (to: 'in_progress' | 'solved') =>
      (await agent.POST('/api/v1/tickets/{id}/status', { params, body: { status: to } })).response.status;
    const comment = async (api: SupportClient, body: { body: string; internal?: boolean }) =>
      (await api.tickets.POST('/api/v1/tickets/{id}/comments', { params, body })).response.status;
    expectStatus('start work', await status('in_progress'), 200);
    expectStatus('public comment', await comment(this.employee.api, { body: 'Still broken.' }), 201);
    expectStatus(
      'internal note',
      await comment(this.agent.api, { body: 'Ordered a spare.', internal: true }),
      201,
    );
    expectStatus('solve', await status('solved'), 200);
  }

  /** An upload to the ticket and its download. */
  private async fileTraffic(ticketId: string): Promise<void> {
    const uploaded = await this.employee.api.uploadFile({
      ticketId,
      file: new Blob([PNG], { type: 'image/png' }),
      fileName: 'screenshot.png',
    });
    expectStatus('upload', uploaded.response.status, 201);
    const download = await this.employee.api.files.GET('/api/v1/files/{id}', {
      params: { path: { id: uploaded.data!.id } },
      parseAs: 'arrayBuffer',
    });
    expectStatus('download', download.response.status, 200);
    if (!Buffer.from(download.data as ArrayBuffer).equals(PNG))
      throw new Error('the download differs from the upload');
  }

  /**
   * Joins the ticket's room (once realtime's projection knows the ticket), posts a message and
   * waits for it to come back; then a resync from 0, as a client that missed messages sends (a
   * sequence gap), and a frame that is not JSON (an error).
   */
  private async chatTraffic(ticketId: string): Promise<void> {
    const chat = this.chat;
    await waitFor(
      async () => {
        const from = chat.frames.length;
        chat.send({ type: 'join', ticketId });
        const answer = await chat.next(
          (f) => f.ticketId === ticketId && ['history', 'error'].includes(f.type),
          from,
        );
        if (answer.type === 'error' && answer.code !== 'NOT_FOUND')
          throw new Error(`join: ${JSON.stringify(answer)}`);
        if (answer.type === 'error') await new Promise((wake) => setTimeout(wake, 250));
        return answer.type === 'history';
      },
      { timeoutMs: 20_000, message: `room of ticket ${ticketId} joined` },
    );
    const body = `Any news? (${randomBytes(4).toString('hex')})`;
    let from = chat.frames.length;
    chat.send({ type: 'message', ticketId, body });
    const posted = await chat.next(
      (f) => f.type === 'message' && f.ticketId === ticketId && f.body === body,
      from,
    );
    from = chat.frames.length;
    chat.send({ type: 'resync', ticketId, afterSeq: 0 });
    const missed = await chat.next(
      (f) => f.type === 'history' && f.ticketId === ticketId && f.afterSeq === 0,
      from,
    );
    if ((missed.messages as unknown[]).length !== posted.seq)
      throw new Error(`resync: ${JSON.stringify(missed)}`);
    from = chat.frames.length;
    chat.send('not json');
    await chat.next((f) => f.type === 'error' && f.code === 'INVALID_FRAME', from);
    chat.send({ type: 'leave', ticketId });
  }

  /** 404s on every service, and a WebSocket without a token (closed with 4401). */
  private async errorTraffic(): Promise<void> {
    const missing = randomBytes(12).toString('hex');
    const params = { path: { id: missing } };
    const answers = await Promise.all([
      this.agent.api.tickets.GET('/api/v1/tickets/{id}', { params }).then((a) => a.response),
      this.agent.api.files.GET('/api/v1/files/{id}', { params }).then((a) => a.response),
      // Routes no API describes, so not the client's to call.
      fetch(`${this.urls.auth}/api/v1/nope`),
      fetch(`${this.urls.realtime}/api/v1/nope`),
    ]);
    for (const answer of answers) expectStatus('missing resource', answer.status, 404);
    const anonymous = new Socket(`${this.urls.realtime.replace(/^http/, 'ws')}/ws/notifications`);
    await waitFor(() => anonymous.closeCode, {
      timeoutMs: 10_000,
      message: 'a socket without a token closed',
    });
    expectStatus('socket without a token', anonymous.closeCode ?? 0, 4401);
  }

  /**
   * A message that is no event on every topic the services consume: each consumer dead-letters it
   * (events_consumed_total{status="invalid"}, events_dead_lettered_total), as it would a poison
   * message from a broken producer.
   */
  private async poison(n: number): Promise<void> {
    await Promise.all(
      ['auth', 'tickets', 'files', 'chat'].map((topic) =>
        this.producer?.send({
          topic: `${this.topicPrefix}${topic}`,
          messages: [{ key: `poison-${n}`, value: `not an event (round ${n})` }],
        }),
      ),
    );
  }

  /** Waits for the notification of a ticket event on the employee's /ws/notifications socket. */
  async notified(): Promise<Frame> {
    return this.notifications.next((f) => f.type === 'notification');
  }

  private socket(path: string, token: string, client: string): Socket {
    const url = new URL(path, this.urls.realtime.replace(/^http/, 'ws'));
    url.searchParams.set('token', token);
    url.searchParams.set('client', client);
    const socket = new Socket(url.toString());
    this.sockets.push(socket);
    return socket;
  }

  /** The typed client on the services' own ports, calling with `token`. */
  private client(token?: string): SupportClient {
    const { auth, ticket, file, realtime } = this.urls;
    return createSupportClient({ baseUrl: auth, token, serviceUrls: { auth, ticket, file, realtime } });
  }

  private async login(username: string): Promise<Session> {
    const { data, response } = await this.client().auth.POST('/api/v1/auth/login', {
      body: { username, password: this.password },
    });
    expectStatus(`login as ${username}`, response.status, 200);
    return { id: data!.user.id, token: data!.accessToken, api: this.client(data!.accessToken) };
  }
}

function expectStatus(what: string, status: number, expected: number): void {
  if (status !== expected) throw new Error(`${what} answered ${status}, not ${expected}`);
}
