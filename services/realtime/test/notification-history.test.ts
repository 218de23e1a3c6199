import { createEvent } from '@support-center/events';
import {
  startTestIssuer,
  testNamespace,
  waitFor,
  type ServiceProcess,
  type TestIssuer,
} from '@support-center/testing';
import mongoose from 'mongoose';
import { createNotificationStore, notificationId } from '../src/store/notifications';
import {
  connect,
  eventProducer,
  startRealtime,
  statusChangedByOther,
  users,
  type TestSocket,
} from './helpers';

interface Item {
  id: string;
  event: string;
  data: { ticketId: string };
  at: string;
  read: boolean;
}
interface Page {
  items: Item[];
  nextCursor: string | null;
  unreadCount: number;
}

const DAY_MS = 86_400_000;

/** Issue 31: each user's notification history over REST, and the unread count on connect. */
describe('notification history', () => {
  const ns = testNamespace('realtime_history');
  let issuer: TestIssuer;
  let service: ServiceProcess;
  let producer: Awaited<ReturnType<typeof eventProducer>>;
  let connection: mongoose.Connection;
  const sockets: TestSocket[] = [];
  const tokens = {} as Record<keyof typeof users, string>;
  const ticketId = `t-${ns.id}`;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    service = await startRealtime(ns, issuer, {
      NOTIFICATION_RETENTION_DAYS: '30',
      NOTIFICATION_SWEEP_INTERVAL_MS: '200',
    });
    producer = await eventProducer(ns);
    connection = await mongoose.createConnection(ns.mongoUrl('realtime')).asPromise();
    for (const who of Object.keys(users) as (keyof typeof users)[])
      tokens[who] = await issuer.token(users[who]);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await producer?.disconnect();
    await connection?.close();
    await service?.stop();
    await issuer?.close();
  });

  async function api(path: string, who: keyof typeof users, init: RequestInit = {}) {
    const res = await fetch(`${service.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${tokens[who]}`, ...init.headers },
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  const list = async (who: keyof typeof users, query = '') =>
    (await api(`/api/v1/notifications${query}`, who)).body as Page;

  /** Every page of `who`'s notifications, following the cursors. */
  async function allPages(who: keyof typeof users, limit: number): Promise<Page[]> {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(who, `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor);
    return pages;
  }

  it('stores each notification once however often it is delivered, and lists them newest first in pages with the unread count', async () => {
    const events = [];
    for (let i = 0; i < 5; i++)
      events.push(
        await producer.publish(
          'ticket.status_changed',
          statusChangedByOther(ticketId, users.employee),
          'tickets',
        ),
      );
    // Kafka delivers at least once: the copies must not be stored again.
    await producer.republish(events[1]!, 'tickets');
    await producer.republish(events[3]!, 'tickets');
    // The same ticket, so the same partition: once the marker is stored, so is everything before it.
    const marker = await producer.publish(
      'ticket.status_changed',
      statusChangedByOther(ticketId, users.employee),
      'tickets',
    );
    const markerId = notificationId(marker);
    await waitFor(async () => (await list('employee')).items.some((i) => i.id === markerId), {
      message: 'the marker in the history',
    });

    const pages = await allPages('employee', 2);
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 2]);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    const items = pages.flatMap((p) => p.items);
    expect(new Set(items.map((i) => i.id)).size).toBe(6);
    expect(items.every((i) => !i.read && i.event === 'ticket.status_changed')).toBe(true);
    const times = items.map((i) => Date.parse(i.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(items[0]!.id).toBe(markerId);
    expect(pages.map((p) => p.unreadCount)).toEqual([6, 6, 6]);
    expect(
      await connection.collection('notifications').countDocuments({ recipient: users.employee.id }),
    ).toBe(6);
    // Someone else's history is theirs only.
    expect(await list('employee2')).toEqual({ items: [], nextCursor: null, unreadCount: 0 });
  });

  it('stores an event once per recipient under 50 concurrent deliveries', async () => {
    const store = createNotificationStore(connection, { retentionMs: DAY_MS });
    const event = createEvent(
      'ticket.status_changed',
      statusChangedByOther(`${ticketId}-race`, users.employee2),
      {
        source: '/support-center/test',
      },
    );
    const ids = await Promise.all(
      Array.from({ length: 50 }, () => store.store(event, [users.employee2.id, 'u-agent2'])),
    );
    expect(new Set(ids).size).toBe(1);
    for (const recipient of [users.employee2.id, 'u-agent2'])
      expect(
        await connection.collection('notifications').countDocuments({ recipient, eventId: event.id }),
      ).toBe(1);
  });

  it('sends the unread count right after connect, and marks one or all read, own ones only', async () => {
    const before = await list('employee');
    const first = await connect(service.url, '/ws/notifications', tokens.employee);
    sockets.push(first);
    expect(await first.next(() => true)).toEqual({ type: 'unread', count: before.unreadCount });

    const target = before.items[0]!;
    // Someone else's notification answers as an unknown one does.
    for (const id of [target.id, `${'9'.repeat(15)}-nope`, 'not-an-id'])
      expect(
        await api(`/api/v1/notifications/${encodeURIComponent(id)}/read`, 'employee2', { method: 'POST' }),
      ).toMatchObject({
        status: 404,
        body: { error: { code: 'NOT_FOUND' } },
      });
    expect(
      (await api(`/api/v1/notifications/${target.id}/read`, 'employee', { method: 'POST' })).status,
    ).toBe(204);
    const after = await list('employee');
    expect(after.unreadCount).toBe(before.unreadCount - 1);
    expect(after.items.find((i) => i.id === target.id)?.read).toBe(true);
    expect((await list('employee', '?unread=true')).items.map((i) => i.id)).not.toContain(target.id);

    const second = await connect(service.url, '/ws/notifications', tokens.employee);
    sockets.push(second);
    expect(await second.next(() => true)).toEqual({ type: 'unread', count: before.unreadCount - 1 });

    expect(await api('/api/v1/notifications/read-all', 'employee', { method: 'POST' })).toEqual({
      status: 200,
      body: { marked: before.unreadCount - 1 },
    });
    expect(await list('employee', '?unread=true')).toEqual({ items: [], nextCursor: null, unreadCount: 0 });
  });

  it('answers bad input with the shared error shape', async () => {
    for (const query of [
      '?limit=0',
      '?limit=abc',
      '?cursor=%%%',
      `?cursor=${Buffer.from('x').toString('base64url')}`,
      '?unread=maybe',
    ])
      expect(await api(`/api/v1/notifications${query}`, 'employee')).toMatchObject({
        status: 422,
        body: { error: { code: 'VALIDATION_FAILED' } },
      });
    expect((await fetch(`${service.url}/api/v1/notifications`)).status).toBe(401);
    expect(
      await api('/api/v1/notifications/read-all', 'employee', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'all',
      }),
    ).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
  });

  it('keeps notifications for NOTIFICATION_RETENTION_DAYS: older ones are not listed and the sweep deletes them', async () => {
    const store = createNotificationStore(connection, { retentionMs: 30 * DAY_MS });
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY_MS);
    const old = createEvent('ticket.status_changed', statusChangedByOther(`${ticketId}-old`, users.agent), {
      source: '/support-center/test',
      time: at(31),
    });
    const recent = createEvent(
      'ticket.status_changed',
      statusChangedByOther(`${ticketId}-recent`, users.agent),
      {
        source: '/support-center/test',
        time: at(29),
      },
    );
    await store.store(old, [users.agent.id]);
    await store.store(recent, [users.agent.id]);
    const stored = () => connection.collection('notifications').find({ recipient: users.agent.id }).toArray();
    await waitFor(async () => (await stored()).length === 1, { message: 'the old notification swept' });
    expect((await stored())[0]).toMatchObject({ eventId: recent.id });
    expect((await list('agent')).items.map((i) => i.data.ticketId)).toEqual([`${ticketId}-recent`]);
    // Past the retention but not swept yet: gone for reads already.
    const later = new Date(Date.now() + 2 * DAY_MS);
    expect(await store.list(users.agent.id, { limit: 10 }, later)).toEqual({ items: [], next: null });
    expect(await store.unreadCount(users.agent.id, later)).toBe(0);
  });
});
