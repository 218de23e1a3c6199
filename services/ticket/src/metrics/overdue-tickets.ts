import type { Worker } from '@support-center/service-kit';
import type { Instruments } from '@support-center/telemetry';
import type { mongo } from 'mongoose';
import { RUNNING_STATUSES, SLA_TARGETS, type SlaTarget } from '../domain/sla';
import { PRIORITIES, type Ticket } from '../domain/ticket';

export interface OverdueTicketsOptions {
  tickets: mongo.Collection<Ticket>;
  metrics: Pick<Instruments, 'tickets_overdue'>;
  /** The time due times are compared with. */
  now: () => Date;
  /** How long a count is reused; a scrape after that recounts. */
  maxAgeMs: number;
  logger: { warn(details: object, message: string): void };
}

type Counts = Map<SlaTarget, Map<string, number>>;

/** The tickets whose clock still runs past each target's due time. */
function overdue(target: SlaTarget, now: Date): mongo.Filter<Ticket> {
  const running = { status: { $in: [...RUNNING_STATUSES] } };
  return (
    target === 'first_response'
      ? { ...running, firstRespondedAt: null, responseDueAt: { $lte: now } }
      : { ...running, resolutionDueAt: { $lte: now } }
  ) as mongo.Filter<Ticket>;
}

/**
 * `tickets_overdue{priority,target}`, counted in the database at scrape time (reused for
 * `maxAgeMs`), like `tickets_open_by_priority`: every replica reports the same value, so
 * dashboards and alerts aggregate it with `max`, never `sum`. Reported while the worker runs.
 */
export function overdueTicketsGauge(options: OverdueTicketsOptions): Worker {
  const { tickets, metrics, now, maxAgeMs, logger } = options;
  let last: { counts: Counts; at: number } | undefined;
  let counting: Promise<Counts> | undefined;

  const count = async (target: SlaTarget, at: Date) => {
    const rows = await tickets
      .aggregate<{ _id: string; n: number }>([
        { $match: overdue(target, at) },
        { $group: { _id: '$priority', n: { $sum: 1 } } },
      ])
      .toArray();
    return new Map(rows.map((r) => [r._id, r.n]));
  };

  const recount = (): Promise<Counts> =>
    (counting ??= (async () => {
      const at = now();
      const counts: Counts = new Map(
        await Promise.all(SLA_TARGETS.map(async (t) => [t, await count(t, at)] as const)),
      );
      last = { counts, at: Date.now() };
      return counts;
    })().finally(() => (counting = undefined)));

  const observe: Parameters<Instruments['tickets_overdue']['addCallback']>[0] = async (result) => {
    let counts = last && Date.now() - last.at < maxAgeMs ? last.counts : undefined;
    try {
      counts ??= await recount();
    } catch (error) {
      logger.warn({ err: error }, 'counting overdue tickets failed; reporting the last counts');
      counts = last?.counts;
    }
    if (!counts) return;
    for (const target of SLA_TARGETS)
      for (const priority of PRIORITIES)
        result.observe(counts.get(target)?.get(priority) ?? 0, { priority, target });
  };

  return {
    name: 'overdue-tickets-gauge',
    start: async () => metrics.tickets_overdue.addCallback(observe),
    stop: async () => metrics.tickets_overdue.removeCallback(observe),
  };
}
