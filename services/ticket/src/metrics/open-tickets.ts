import type { Worker } from '@support-center/service-kit';
import type { Instruments } from '@support-center/telemetry';
import type { mongo } from 'mongoose';
import { PRIORITIES, STATUSES, type Ticket } from '../domain/ticket';

export interface OpenTicketsOptions {
  tickets: mongo.Collection<Ticket>;
  metrics: Pick<Instruments, 'tickets_open_by_status' | 'tickets_open_by_priority'>;
  /** How long a count is reused; a scrape after that recounts. */
  maxAgeMs: number;
  /** How often the worker recounts in the background. */
  intervalMs: number;
  logger: { warn(details: object, message: string): void };
}

interface Counts {
  byStatus: Map<string, number>;
  byPriority: Map<string, number>;
  at: number;
}

/** Not closed: every status but the final one. */
const OPEN_STATUSES = STATUSES.filter((s) => s !== 'closed');
/** Still waiting for a solution. */
const UNSOLVED_STATUSES = STATUSES.filter((s) => s !== 'solved' && s !== 'closed');

/**
 * `tickets_open_by_status` and `tickets_open_by_priority`, counted in the database (so every
 * instance reports the same values) and cached for `maxAgeMs`. The worker recounts every
 * `intervalMs`; a scrape that finds the counts older than `maxAgeMs` recounts first.
 */
export function openTicketsGauges(options: OpenTicketsOptions): Worker & { refresh(): Promise<Counts> } {
  const { tickets, metrics, maxAgeMs, intervalMs, logger } = options;
  let counts: Counts | undefined;
  let counting: Promise<Counts> | undefined;
  let timer: NodeJS.Timeout | undefined;

  // One accumulator per $group: FerretDB computes only the first (libs/store/README.md).
  const countBy = async (field: 'status' | 'priority', statuses: readonly string[]) => {
    const rows = await tickets
      .aggregate<{ _id: string; n: number }>([
        { $match: { status: { $in: [...statuses] } } },
        { $group: { _id: `$${field}`, n: { $sum: 1 } } },
      ])
      .toArray();
    return new Map(rows.map((r) => [r._id, r.n]));
  };

  function refresh(): Promise<Counts> {
    counting ??= (async () => {
      const [byStatus, byPriority] = await Promise.all([
        countBy('status', OPEN_STATUSES),
        countBy('priority', UNSOLVED_STATUSES),
      ]);
      counts = { byStatus, byPriority, at: Date.now() };
      return counts;
    })().finally(() => (counting = undefined));
    return counting;
  }

  async function current(): Promise<Counts | undefined> {
    if (counts && Date.now() - counts.at < maxAgeMs) return counts;
    try {
      return await refresh();
    } catch (error) {
      logger.warn({ err: error }, 'counting open tickets failed; reporting the last counts');
      return counts;
    }
  }

  const observeStatus = async (result: { observe(value: number, attributes: { status: string }): void }) => {
    const c = await current();
    if (!c) return;
    for (const status of OPEN_STATUSES) result.observe(c.byStatus.get(status) ?? 0, { status });
  };
  const observePriority = async (result: {
    observe(value: number, attributes: { priority: string }): void;
  }) => {
    const c = await current();
    if (!c) return;
    for (const priority of PRIORITIES) result.observe(c.byPriority.get(priority) ?? 0, { priority });
  };

  const loop = () => {
    timer = setTimeout(() => {
      refresh()
        .catch((error: unknown) => logger.warn({ err: error }, 'counting open tickets failed'))
        .finally(() => {
          if (timer) loop();
        });
    }, intervalMs);
    timer.unref();
  };

  return {
    name: 'open-tickets-gauges',
    refresh,
    async start() {
      metrics.tickets_open_by_status.addCallback(observeStatus);
      metrics.tickets_open_by_priority.addCallback(observePriority);
      loop();
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      metrics.tickets_open_by_status.removeCallback(observeStatus);
      metrics.tickets_open_by_priority.removeCallback(observePriority);
      await counting?.catch(() => undefined);
    },
  };
}
