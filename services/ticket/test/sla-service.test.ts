import { parseExposition, sampleValue, testNamespace, waitFor } from '@support-center/testing';
import { newTicket, startHarness, type Harness } from './support';

const ns = testNamespace('ticket sla service');
const BASE = '/api/v1/tickets';
const HOUR = 3_600_000;

/** The service's own SLA check, as wired: a periodic task on the service's clock. */
describe('the ticket service checks service levels by itself', () => {
  let clock = Date.UTC(2026, 2, 2, 9, 0);
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(ns, { SLA_CHECK_INTERVAL_MS: '100' }, { now: () => new Date(clock) });
  });

  afterAll(() => h?.stop());

  it('marks and counts a breach once its due time has passed', async () => {
    const { id } = (
      await h
        .as('employee')
        .post(BASE, newTicket({ priority: 'critical' }))
        .expect(201)
    ).body;
    const breaches = async () =>
      sampleValue(parseExposition(await h.metrics()), 'ticket_sla_breaches_total', {
        priority: 'critical',
        target: 'first_response',
      });
    expect(await breaches()).toBe(0);

    clock += 2 * HOUR;
    const ticket = await waitFor(
      async () => {
        const body = (await h.as('agent').get(`${BASE}/${id}`).expect(200)).body;
        return body.slaBreached.first_response ? body : undefined;
      },
      { message: 'the first response marked breached' },
    );
    expect(ticket.slaBreached).toEqual({ first_response: true, resolution: false });
    expect(await breaches()).toBe(1);
    const listed = (await h.as('agent').get(`${BASE}?breached=true`).expect(200)).body.items;
    expect(listed.map((t: { id: string }) => t.id)).toEqual([id]);
  });
});
