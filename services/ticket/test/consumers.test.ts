import { createEvent, TOPICS, type CloudEvent } from '@support-center/events';
import { parseExposition, sampleValue, testNamespace, waitFor, type TestUser } from '@support-center/testing';
import { newTicket, startHarness, USERS, userCreated, type Harness } from './support';

const ns = testNamespace('ticket_consumers');
const BASE = '/api/v1/tickets';
/** A well-formed ticket id no ticket of this namespace has. */
const UNKNOWN_TICKET = 'abcdefabcdefabcdefabcdef';

/** A `user.updated` event as the auth service publishes it: the user's whole snapshot at `time`. */
function userUpdated(user: TestUser, changes: { role?: TestUser['role']; active?: boolean }, time: Date) {
  return createEvent(
    'user.updated',
    {
      userId: user.id,
      username: user.username,
      displayName: user.username,
      email: null,
      role: changes.role ?? user.role,
      active: changes.active ?? true,
      loginMethod: 'password',
    },
    { source: '/support-center/auth', time },
  );
}

const fileEvent = {
  uploaded: (ticketId: string, fileId: string, uploaderId: string) =>
    createEvent(
      'file.uploaded',
      {
        fileId,
        ticketId,
        name: `${fileId}.txt`,
        size: 5,
        contentType: 'text/plain; charset=utf-8',
        sha256: 'c'.repeat(64),
        uploaderId,
      },
      { source: '/support-center/file' },
    ),
  deleted: (ticketId: string, fileId: string, deletedBy: string) =>
    createEvent('file.deleted', { fileId, ticketId, deletedBy }, { source: '/support-center/file' }),
};

describe('ticket consumers', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(ns);
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  async function consumed(topic: string, eventType: string, status: string): Promise<number> {
    return (
      sampleValue(parseExposition(await h.metrics()), 'events_consumed_total', {
        topic,
        event_type: eventType,
        status,
      }) ?? 0
    );
  }

  /** Publishes the events and waits until the consumer has handled `count` more of `type`. */
  async function publishAndSettle(topic: string, events: CloudEvent[]): Promise<void> {
    const before = new Map<string, number>();
    for (const event of events) before.set(event.type, (before.get(event.type) ?? 0) + 1);
    const baseline = new Map<string, number>();
    for (const type of before.keys())
      baseline.set(
        type,
        (await consumed(topic, type, 'processed')) +
          (await consumed(topic, type, 'duplicate')) +
          (await consumed(topic, type, 'ignored')),
      );
    for (const event of events) await h.publish(topic, event);
    await waitFor(
      async () => {
        for (const [type, count] of before) {
          const now =
            (await consumed(topic, type, 'processed')) +
            (await consumed(topic, type, 'duplicate')) +
            (await consumed(topic, type, 'ignored'));
          if (now < (baseline.get(type) ?? 0) + count) return false;
        }
        return true;
      },
      { timeoutMs: 20_000, message: `the ${topic} consumer to handle ${events.length} events` },
    );
  }

  const assignTo = async (userId: string) => {
    const ticket = (await h.as('employee').post(BASE, newTicket()).expect(201)).body as { id: string };
    return h.as('admin').post(`${BASE}/${ticket.id}/assign`, { assigneeId: userId });
  };

  it('user.updated: a promotion makes a user assignable, a deactivation unassignable, an older update never rolls it back', async () => {
    const user: TestUser = { id: 'u-promoted', username: 'promoted', role: 'employee' };
    const start = Date.now();
    await publishAndSettle(TOPICS.auth, [userCreated(user)]);
    const asEmployee = await assignTo(user.id);
    expect({ status: asEmployee.status, field: asEmployee.body.error?.details?.[0]?.field }).toEqual({
      status: 422,
      field: 'assigneeId',
    });

    await publishAndSettle(TOPICS.auth, [userUpdated(user, { role: 'agent' }, new Date(start + 1_000))]);
    const asAgent = await assignTo(user.id);
    expect({ status: asAgent.status, assigneeId: asAgent.body.assigneeId }).toEqual({
      status: 200,
      assigneeId: user.id,
    });

    await publishAndSettle(TOPICS.auth, [
      userUpdated(user, { role: 'agent', active: false }, new Date(start + 3_000)),
      // Older than the deactivation (a replay, or a late partition): skipped.
      userUpdated(user, { role: 'agent', active: true }, new Date(start + 2_000)),
    ]);
    expect((await assignTo(user.id)).status).toBe(422);
  });

  it('user.updated with active false refuses the user’s tokens issued before it', async () => {
    await h.as('agent').get(BASE).expect(200);
    await publishAndSettle(TOPICS.auth, [userUpdated(USERS.agent, { active: false }, new Date())]);
    const refused = await waitFor(
      async () => {
        const res = await h.as('agent').get(BASE);
        return res.status === 401 ? res : undefined;
      },
      { timeoutMs: 10_000, message: 'the deactivated agent’s token to be refused' },
    );
    expect(refused.body.error.code).toBe('TOKEN_REVOKED');
    // Another user's token is untouched.
    await h.as('employee').get(BASE).expect(200);
  });

  it('file events of an unknown ticket are skipped: no ticket appears, nothing is dead-lettered, the next event applies', async () => {
    const deadBefore = await consumed(TOPICS.files, 'file.uploaded', 'dead_lettered');
    const ticket = (await h.as('employee').post(BASE, newTicket()).expect(201)).body as { id: string };
    await publishAndSettle(TOPICS.files, [
      fileEvent.uploaded(UNKNOWN_TICKET, 'orphan', USERS.employee.id),
      fileEvent.deleted(UNKNOWN_TICKET, 'orphan', USERS.employee.id),
      fileEvent.uploaded(ticket.id, 'after-orphan', USERS.employee.id),
    ]);

    const after = (await h.as('employee').get(`${BASE}/${ticket.id}`).expect(200)).body as {
      attachments: { fileId: string }[];
    };
    expect(after.attachments.map((a) => a.fileId)).toEqual(['after-orphan']);
    // Neither event created the ticket it named (no upsert).
    const unknown = await h.as('admin').get(`${BASE}/${UNKNOWN_TICKET}`);
    expect({ status: unknown.status, code: unknown.body.error?.code }).toEqual({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(await consumed(TOPICS.files, 'file.uploaded', 'dead_lettered')).toBe(deadBefore);
    expect(await consumed(TOPICS.files, 'file.deleted', 'dead_lettered')).toBe(0);
  });
});
