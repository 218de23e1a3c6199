import { parseExposition, sampleValue, testNamespace, waitFor } from '@support-center/testing';
import { newTicket, startHarness, USERS, userCreated, type Harness } from './support';

const ns = testNamespace('ticket metrics');
const BASE = '/api/v1/tickets';

describe('ticket metrics after a scripted sequence', () => {
  let h: Harness;
  let families: ReturnType<typeof parseExposition>;
  const value = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels);

  beforeAll(async () => {
    // Recount the open tickets at every scrape: the values below are exact.
    h = await startHarness(ns, { OPEN_TICKETS_GAUGE_MAX_AGE_MS: '1' });
    const create = async (who: 'employee' | 'agent', fields: object) =>
      (await h.as(who).post(BASE, newTicket(fields)).expect(201)).body.id as string;
    const status = (id: string, to: string) =>
      h.as('agent').post(`${BASE}/${id}/status`, { status: to }).expect(200);

    const printer = await create('employee', { category: 'hardware', priority: 'high' });
    const mail = await create('employee', { category: 'software', priority: 'low' });
    await create('agent', { category: 'network', priority: 'critical' });
    await status(printer, 'in_progress');
    await status(printer, 'solved');
    await status(mail, 'pending');
    await h.as('agent').get(`${BASE}/${printer}`).expect(200);
    await h.as('employee').get(`${BASE}/${printer}`).expect(200);
    await h.as('agent').get(`${BASE}/${printer}`).expect(200);
    families = parseExposition(await h.metrics());
  });

  afterAll(() => h?.stop());

  it('counts created tickets by category, priority and role', () => {
    expect(
      value('ticket_created_total', { category: 'hardware', priority: 'high', created_by_role: 'employee' }),
    ).toBe(1);
    expect(
      value('ticket_created_total', { category: 'software', priority: 'low', created_by_role: 'employee' }),
    ).toBe(1);
    expect(
      value('ticket_created_total', { category: 'network', priority: 'critical', created_by_role: 'agent' }),
    ).toBe(1);
    expect(value('ticket_created_total', { created_by_role: 'admin' })).toBeUndefined();
  });

  it('counts transitions, solutions and resolution time', () => {
    expect(value('ticket_status_changed_total', { from_status: 'open', to_status: 'in_progress' })).toBe(1);
    expect(value('ticket_status_changed_total', { from_status: 'in_progress', to_status: 'solved' })).toBe(1);
    expect(value('ticket_status_changed_total', { from_status: 'open', to_status: 'pending' })).toBe(1);
    expect(value('ticket_solved_total', { category: 'hardware', resolution_time_bucket: '<1h' })).toBe(1);
    expect(value('ticket_resolution_time_seconds_count', { category: 'hardware', priority: 'high' })).toBe(1);
    expect(
      value('ticket_resolution_time_seconds_bucket', { category: 'hardware', priority: 'high', le: '300' }),
    ).toBe(1);
    expect(value('ticket_assigned_total')).toBeUndefined();
  });

  it('reports the open tickets counted in the database', () => {
    const byStatus = { open: 1, in_progress: 0, pending: 1, solved: 1 };
    for (const [status, n] of Object.entries(byStatus))
      expect(value('tickets_open_by_status', { status })).toBe(n);
    expect(value('tickets_open_by_status', { status: 'closed' })).toBeUndefined();
    const byPriority = { low: 1, medium: 0, high: 0, critical: 1 };
    for (const [priority, n] of Object.entries(byPriority))
      expect(value('tickets_open_by_priority', { priority })).toBe(n);
  });

  it('reports the read cache: one miss, then hits, and the key it holds', () => {
    const cache = { cache: 'tickets' };
    expect(value('cache_operations_total', { ...cache, operation: 'get', status: 'miss' })).toBe(1);
    expect(value('cache_operations_total', { ...cache, operation: 'get', status: 'hit' })).toBe(2);
    expect(value('cache_operations_total', { ...cache, operation: 'set', status: 'success' })).toBe(1);
    // One invalidation per write: three status changes.
    expect(value('cache_operations_total', { ...cache, operation: 'delete', status: 'success' })).toBe(3);
    expect(value('cache_hit_ratio', cache)).toBeCloseTo(2 / 3, 5);
    expect(value('cache_keys', cache)).toBe(1);
    expect(value('cache_size_bytes', cache)).toBeGreaterThan(0);
    expect(value('cache_operation_duration_seconds_count', { ...cache, operation: 'get' })).toBe(3);
  });

  it('counts assignments to an agent, not unassignments', async () => {
    const id = (
      await h
        .as('employee')
        .post(BASE, newTicket({ category: 'access', priority: 'medium' }))
        .expect(201)
    ).body.id;
    // The admin is known once the auth projection has them; until then assignment answers 422.
    await h.publish('auth', userCreated(USERS.admin));
    await waitFor(
      async () =>
        (await h.as('admin').post(`${BASE}/${id}/assign`, { assigneeId: USERS.admin.id })).status === 200,
      { timeoutMs: 30_000, message: 'the admin to be projected' },
    );
    await h.as('admin').post(`${BASE}/${id}/assign`, { assigneeId: null }).expect(200);
    const after = parseExposition(await h.metrics());
    expect(sampleValue(after, 'ticket_assigned_total', { category: 'access', priority: 'medium' })).toBe(1);
  });
});
