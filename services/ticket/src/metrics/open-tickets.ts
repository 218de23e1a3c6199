import type { Worker } from '@support-center/service-kit';
import { nextScanDelay } from '@support-center/store';
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
  /** How long counting took. */
  tookMs: number;
}

/** Not closed: every status but the final one. */
const OPEN_STATUSES: readonly string[] = STATUSES.filter((s) => s !== 'closed');
/** Still waiting for a solution. */
const UNSOLVED_STATUSES: readonly string[] = STATUSES.filter((s) => s !== 'solved' && s !== 'closed');

/**
 * `tickets_open_by_status` and `tickets_open_by_priority`, counted in the database (so every
 * instance reports the same values) and cached for `maxAgeMs`. The worker recounts every
 * `intervalMs`; a scrape that finds the counts older than `maxAgeMs` recounts first. Both wait
 * longer after a slow count (FerretDB decodes every open ticket), so counting takes at most a
 * tenth of the time.
 */
export function openTicketsGauges(options: OpenTicketsOptions): Worker & { refresh(): Promise<Counts> } {
  const { tickets, metrics, maxAgeMs, intervalMs, logger } = options;
  let counts: Counts | undefined;
  let counting: Promise<Counts> | undefined;
  let timer: NodeJS.Timeout | undefined;

  // One pass, grouped by both fields; one accumulator per $group: FerretDB computes only the
  // first (libs/store/README.md).
  const count = async (): Promise<Counts> => {
    const started = performance.now();
    const rows = await tickets
      .aggregate<{ _id: { status: string; priority: string }; n: number }>([
        { $match: { status: { $in: [...OPEN_STATUSES] } } },
        { $group: { _id: { status: '$status', priority: '$priority' }, n: { $sum: 1 } } },
      ])
      .toArray();
    const byStatus = new Map<string, number>();
    const byPriority = new Map<string, number>();
    for (const { _id, n } of rows) {
      byStatus.set(_id.status, (byStatus.get(_id.status) ?? 0) + n);
      if (UNSOLVED_STATUSES.includes(_id.status))
        byPriority.set(_id.priority, (byPriority.get(_id.priority) ?? 0) + n);
    }
    return { byStatus, byPriority, at: Date.now(), tookMs: performance.now() - started };
  };

  function refresh(): Promise<Counts> {
    counting ??= count()
      .then((counted) => (counts = counted))
      .finally(() => (counting = undefined));
    return counting;
  }

  async function current(): Promise<Counts | undefined> {
    if (counts && Date.now() - counts.at < nextScanDelay(maxAgeMs, counts.tookMs)) return counts;
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
    timer = setTimeout(
      () => {
        refresh()
          .catch((error: unknown) => logger.warn({ err: error }, 'counting open tickets failed'))
          .finally(() => {
            if (timer) loop();
          });
      },
      nextScanDelay(intervalMs, counts?.tookMs ?? 0),
    );
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
