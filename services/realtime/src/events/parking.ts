import type { CloudEvent } from '@support-center/events';
import type { Instruments } from '@support-center/telemetry';
import {
  periodicTask,
  type Logger,
  type PeriodicTaskOptions,
  type Worker,
} from '@support-center/service-kit';
import type { TicketParties } from '../domain/access';
import type { ParkedEvent, ParkedEvents } from '../store/parked-events';

export type ParkingInstruments = Pick<Instruments, 'realtime_parked_events' | 'realtime_parked_events_total'>;

export interface ParkingOptions {
  parked: ParkedEvents;
  tickets: { get(ticketId: string): Promise<TicketParties | undefined> };
  /** Notifies this instance's sockets of an event about a known ticket (rejects when it could not). */
  deliver(event: CloudEvent, ticket: TicketParties): Promise<unknown> | void;
  /** How long an event waits for its ticket before it is given up (counted and logged). */
  ttlMs: number;
  metrics: ParkingInstruments;
  logger: Logger;
}

/**
 * An event that depends on a ticket this instance does not know yet is parked, not dropped, and
 * delivered when the ticket arrives. Work on one ticket is serialized here, so a park and the
 * ticket's arrival cannot pass each other (a park landing just after the replay looked).
 */
export function createParking(options: ParkingOptions) {
  const { parked, tickets, metrics, logger } = options;
  const locks = new Map<string, Promise<unknown>>();

  function withTicket<T>(ticketId: string, work: () => Promise<T>): Promise<T> {
    const previous = locks.get(ticketId) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    locks.set(ticketId, tail);
    void tail.then(() => {
      if (locks.get(ticketId) === tail) locks.delete(ticketId);
    });
    return result;
  }

  function recordSize() {
    metrics.realtime_parked_events.record(parked.size);
  }

  function count(event: CloudEvent | undefined, outcome: 'parked' | 'replayed' | 'expired') {
    metrics.realtime_parked_events_total.add(1, { event_type: event?.type ?? 'unknown', outcome });
  }

  /** Replays `ticketId`'s parked events, in arrival order, to `ticket`'s parties. */
  async function replay(ticketId: string, ticket: TicketParties): Promise<void> {
    const events = await parked.list(ticketId);
    // Delivered, then removed: a delivery that fails (the history store is down) leaves the rest
    // parked for the next sweep, and the notifier does not send an event it sent already.
    for (const { event } of events) {
      if (!event) continue;
      await options.deliver(event, ticket);
      count(event, 'replayed');
    }
    await parked.remove(events);
    if (events.length > 0) logger.info({ ticketId, replayed: events.length }, 'parked events replayed');
    recordSize();
  }

  return {
    /** Delivers `event` now if its ticket is known, else parks it; resolves once one happened. */
    deliverOrPark(ticketId: string, event: CloudEvent): Promise<'delivered' | 'parked'> {
      return withTicket(ticketId, async () => {
        const ticket = await tickets.get(ticketId);
        if (ticket) {
          await options.deliver(event, ticket);
          return 'delivered';
        }
        if (await parked.park(ticketId, event)) {
          count(event, 'parked');
          logger.debug(
            { ticketId, eventId: event.id, eventType: event.type },
            'event parked until its ticket',
          );
        }
        recordSize();
        return 'parked';
      });
    },

    /** The ticket is known now (`ticket`: its parties): what waited for it goes out. */
    ticketArrived(ticketId: string, ticket: TicketParties): Promise<void> {
      if (!parked.has(ticketId)) return Promise.resolve();
      return withTicket(ticketId, () => replay(ticketId, ticket));
    },

    /**
     * Replays what waits for tickets that became known by another way (the shared projection
     * group), and gives up on events older than the TTL (of any instance: a gone one leaves its own).
     */
    async sweep(now = Date.now()): Promise<void> {
      for (const ticketId of parked.tickets()) {
        await withTicket(ticketId, async () => {
          const ticket = await tickets.get(ticketId);
          if (ticket) await replay(ticketId, ticket);
        });
      }
      const expired = await parked.expired(new Date(now - options.ttlMs));
      if (expired.length > 0) {
        await parked.remove(expired);
        for (const { event } of expired) count(event, 'expired');
        logger.warn(
          { expired: expired.length, events: expired.slice(0, 20).map(describe), ttlMs: options.ttlMs },
          'parked events expired: their ticket never became known',
        );
      }
      recordSize();
    },

    recordSize,
  };
}

function describe({ id, ticketId, event }: ParkedEvent) {
  return { id, ticketId, type: event?.type };
}

export type Parking = ReturnType<typeof createParking>;

/**
 * Loads what an earlier process of this instance id left parked, then sweeps every `intervalMs`.
 * A failing sweep is logged, counted and tried again at the next tick; it never ends the process.
 */
export function parkingWorker(
  parking: Pick<Parking, 'sweep' | 'recordSize'>,
  parked: Pick<ParkedEvents, 'load'>,
  intervalMs: number,
  logger: Logger,
  metrics: PeriodicTaskOptions['metrics'],
): Worker {
  const sweeps = periodicTask({
    name: 'parked events',
    intervalMs,
    logger,
    metrics,
    run: () => parking.sweep(),
  });
  return {
    name: sweeps.name,
    async start() {
      await parked.load();
      parking.recordSize();
      await sweeps.start();
    },
    stop: sweeps.stop,
  };
}
