import { testNamespace } from '@support-center/testing';
import mongoose, { type Connection } from 'mongoose';
import { loadTicketConfig } from '../src/config';
import { newTicket, startHarness, type Harness, type Who } from './support';

const ns = testNamespace('ticket limits');
const BASE = '/api/v1/tickets';
const MAX_COMMENTS = 5;
const MAX_DOCUMENT_BYTES = 64 * 1024;
/** The longest comment body and description the API accepts. */
const LONGEST_TEXT = 10_000;

/** Fields the libraries keep in the document (the outbox, applied event ids), not the ticket's own. */
const LIBRARY_FIELDS = { _outbox: 0, _outboxLease: 0, _outboxRejected: 0, _events: 0 } as const;

describe('ticket size limits', () => {
  let h: Harness;
  let db: Connection;

  beforeAll(async () => {
    h = await startHarness(ns, {
      TICKET_MAX_COMMENTS: String(MAX_COMMENTS),
      TICKET_MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT_BYTES),
    });
    db = await mongoose
      .createConnection(process.env.MONGO_URL ?? '', { dbName: ns.database('tickets') })
      .asPromise();
  });

  afterAll(async () => {
    await db?.close();
    await h?.stop();
  });

  const create = async () =>
    (await h.as('employee').post(BASE, newTicket()).expect(201)).body as { id: string };
  const comment = (who: Who, id: string, body: string) => h.as(who).post(`${BASE}/${id}/comments`, { body });
  const storedBytes = async (id: string) => {
    const stored = await db
      .collection('tickets')
      .findOne({ _id: id as never }, { projection: LIBRARY_FIELDS });
    return mongoose.mongo.BSON.calculateObjectSize(stored!);
  };

  it(`refuses the comment after the ${MAX_COMMENTS}th with a 409 naming the limit`, async () => {
    const { id } = await create();
    for (let n = 1; n <= MAX_COMMENTS; n += 1) await comment('employee', id, `comment ${n}`).expect(201);

    const refused = await comment('agent', id, 'one too many').expect(409);
    expect(refused.body.error).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`limit of ${MAX_COMMENTS} comments`),
      details: { reason: 'COMMENT_LIMIT_REACHED', limit: MAX_COMMENTS },
    });
    const ticket = await h.as('agent').get(`${BASE}/${id}`).expect(200);
    expect(ticket.body.comments).toHaveLength(MAX_COMMENTS);
    // The other changes still work on a ticket full of comments.
    await h.as('agent').post(`${BASE}/${id}/status`, { status: 'in_progress' }).expect(200);
  });

  it('never goes past the limit under 50 parallel comments', async () => {
    const { id } = await create();
    for (let n = 1; n < MAX_COMMENTS; n += 1) await comment('employee', id, `comment ${n}`).expect(201);

    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, n) => comment(n % 2 === 0 ? 'employee' : 'agent', id, `race ${n}`)),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    // Every other answer is a 409: the limit, or (after three lost races) the change conflict.
    expect(statuses.filter((status) => status !== 201).every((status) => status === 409)).toBe(true);
    expect(answers.some((answer) => answer.body.error?.details?.reason === 'COMMENT_LIMIT_REACHED')).toBe(
      true,
    );
    const ticket = await h.as('agent').get(`${BASE}/${id}`).expect(200);
    expect(ticket.body.comments).toHaveLength(MAX_COMMENTS);
    const commented = ticket.body.history.filter((entry: { action: string }) => entry.action === 'commented');
    expect(commented).toHaveLength(MAX_COMMENTS);
  });

  it('bounds the stored ticket whatever makes it grow, and still lets it be solved and closed', async () => {
    const { id } = await create();
    // Long comments and rewritten descriptions (each kept whole in the history) until refused.
    let refusal: { status: number; body: { error?: { details?: { reason?: string } } } } | undefined;
    for (let round = 0; round < 40 && !refusal; round += 1) {
      const text = String.fromCharCode(97 + (round % 26)).repeat(LONGEST_TEXT);
      const answer =
        round % 3 === 0
          ? await comment('agent', id, text)
          : await h.as('agent').patch(`${BASE}/${id}`, { description: text });
      if (answer.status !== 200 && answer.status !== 201) refusal = answer;
    }
    expect(refusal?.status).toBe(409);
    expect(refusal?.body.error?.details).toEqual({
      reason: 'TICKET_SIZE_LIMIT_REACHED',
      limit: MAX_DOCUMENT_BYTES,
    });
    expect(await storedBytes(id)).toBeLessThanOrEqual(MAX_DOCUMENT_BYTES);

    // Smaller steps until even they no longer fit: then no change that grows it passes.
    const title = (n: number) => `${n % 2 === 0 ? 'a' : 'b'}`.repeat(200);
    let titleRefused = false;
    for (let n = 0; n < 200 && !titleRefused; n += 1) {
      const answer = await h.as('agent').patch(`${BASE}/${id}`, { title: title(n) });
      titleRefused =
        answer.status === 409 && answer.body.error?.details?.reason === 'TICKET_SIZE_LIMIT_REACHED';
      if (!titleRefused) expect(answer.status).toBe(200);
    }
    expect(titleRefused).toBe(true);
    const big = 'z'.repeat(LONGEST_TEXT);
    for (const attempt of [
      () => comment('employee', id, big),
      () => h.as('agent').patch(`${BASE}/${id}`, { description: big }),
    ]) {
      const answer = await attempt();
      expect([answer.status, answer.body.error?.details?.reason]).toEqual([409, 'TICKET_SIZE_LIMIT_REACHED']);
    }
    expect(await storedBytes(id)).toBeLessThanOrEqual(MAX_DOCUMENT_BYTES);

    // …but the ways out stay open: solving and closing it, never reopening it for more.
    let reopenRefused = false;
    for (let n = 0; n < 100 && !reopenRefused; n += 1) {
      await h.as('agent').post(`${BASE}/${id}/status`, { status: 'solved' }).expect(200);
      const reopen = await h.as('agent').post(`${BASE}/${id}/status`, { status: 'in_progress' });
      reopenRefused =
        reopen.status === 409 && reopen.body.error?.details?.reason === 'TICKET_SIZE_LIMIT_REACHED';
      if (!reopenRefused) expect(reopen.status).toBe(200);
    }
    expect(reopenRefused).toBe(true);
    await h.as('agent').post(`${BASE}/${id}/status`, { status: 'closed' }).expect(200);
    // Two history entries at most beyond the limit: the solution and the closing.
    expect(await storedBytes(id)).toBeLessThanOrEqual(MAX_DOCUMENT_BYTES + 1024);
  });

  it('validates the limits in the configuration', () => {
    expect(loadTicketConfig({}).TICKET_MAX_COMMENTS).toBe(200);
    expect(loadTicketConfig({}).TICKET_MAX_DOCUMENT_BYTES).toBe(8 * 1024 * 1024);
    for (const env of [
      { TICKET_MAX_COMMENTS: '0' },
      { TICKET_MAX_COMMENTS: 'many' },
      { TICKET_MAX_DOCUMENT_BYTES: String(16 * 1024 * 1024) },
      { TICKET_MAX_DOCUMENT_BYTES: '1000' },
    ]) {
      expect(() => loadTicketConfig(env)).toThrow(Object.keys(env)[0]);
    }
  });
});
