import { createEvent, TOPICS } from '@support-center/events';
import { parseExposition, sampleValue, testNamespace, waitFor } from '@support-center/testing';
import { newTicket, startHarness, USERS, userCreated, type Harness, type Who } from './support';

const ns = testNamespace('ticket_attachments');
const BASE = '/api/v1/tickets';

/** A `file.uploaded` event as the file service publishes it. */
function fileUploaded(ticketId: string, fileId: string, uploader: Who) {
  return createEvent(
    'file.uploaded',
    {
      fileId,
      ticketId,
      name: `${fileId}.txt`,
      size: 5,
      contentType: 'text/plain; charset=utf-8',
      sha256: 'b'.repeat(64),
      uploaderId: USERS[uploader].id,
    },
    { source: '/support-center/file' },
  );
}

describe('attachments from file events', () => {
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

  it('attaches only files whose uploader may see the ticket, and counts the others as ignored', async () => {
    // The agent's role reaches the ticket service through the auth events.
    await h.publish(TOPICS.auth, userCreated(USERS.agent));
    await waitFor(async () => (await consumed('auth', 'user.created', 'processed')) >= 1, {
      timeoutMs: 20_000,
      message: 'the agent to be projected',
    });
    const ticket = (await h.as('employee').post(BASE, newTicket()).expect(201)).body as { id: string };

    // Ticket ids are predictable: another employee's file must not land on this ticket.
    await h.publish(TOPICS.files, fileUploaded(ticket.id, 'planted', 'other'));
    await h.publish(TOPICS.files, fileUploaded(ticket.id, 'by-requester', 'employee'));
    await h.publish(TOPICS.files, fileUploaded(ticket.id, 'by-agent', 'agent'));

    const attached = await waitFor(
      async () => {
        const body = (await h.as('employee').get(`${BASE}/${ticket.id}`)).body as {
          attachments: { fileId: string }[];
        };
        return body.attachments.length >= 2 ? body.attachments : undefined;
      },
      { timeoutMs: 20_000, message: 'the allowed attachments to appear' },
    );
    // One partition, keyed by ticket: the planted file was handled before the two after it.
    expect(attached.map((a) => a.fileId)).toEqual(['by-requester', 'by-agent']);
    expect(await consumed('files', 'file.uploaded', 'ignored')).toBe(1);
    expect(await consumed('files', 'file.uploaded', 'processed')).toBe(2);
  });
});
