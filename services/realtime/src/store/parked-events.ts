import type { MongoDependency } from '@support-center/service-kit';
import { parseEvent, type CloudEvent } from '@support-center/events';
import { isDuplicateKeyError } from '@support-center/store';

type Connection = MongoDependency['connection'];

export const PARKED_EVENTS_COLLECTION = 'parked_events';

interface ParkedEventDocument {
  /** `<instanceId>:<event id>`: a redelivered event is parked once. */
  _id: string;
  instanceId: string;
  ticketId: string;
  /** The event as received (JSON). */
  event: string;
  parkedAt: Date;
  /** Arrival order within the same millisecond. */
  n: number;
}

export interface ParkedEvent {
  id: string;
  ticketId: string;
  /** Undefined when it no longer reads as a catalog event. */
  event: CloudEvent | undefined;
  parkedAt: Date;
}

/**
 * Events this instance received for a ticket its projection did not know yet (a `file.uploaded`
 * that overtook its `ticket.created`, say, after an outage), held per instance (each instance
 * notifies its own sockets) until the ticket arrives. Kept in MongoDB, so an instance restarted
 * under the same `REALTIME_INSTANCE_ID` still delivers them; `count` is kept in memory from what
 * this process parked and took.
 */
/** The parked event; one that no longer reads as an event (a catalog change) keeps only its id. */
function readEvent(text: string): CloudEvent | undefined {
  try {
    return parseEvent(text);
  } catch {
    return undefined;
  }
}

export function createParkedEvents(connection: Connection, instanceId: string) {
  const parked = () => connection.collection<ParkedEventDocument>(PARKED_EVENTS_COLLECTION);
  /** Tickets with parked events of this instance, and how many each: no query for the others. */
  const byTicket = new Map<string, number>();
  let n = 0;

  function toParked(doc: ParkedEventDocument): ParkedEvent {
    return { id: doc._id, ticketId: doc.ticketId, event: readEvent(doc.event), parkedAt: doc.parkedAt };
  }

  function forget(ticketId: string, count: number) {
    const left = (byTicket.get(ticketId) ?? 0) - count;
    if (left > 0) byTicket.set(ticketId, left);
    else byTicket.delete(ticketId);
  }

  return {
    /** Loads what an earlier process of this instance id left parked. */
    async load(): Promise<void> {
      byTicket.clear();
      const docs = await parked()
        .find({ instanceId }, { projection: { ticketId: 1 } })
        .toArray();
      for (const { ticketId } of docs) byTicket.set(ticketId, (byTicket.get(ticketId) ?? 0) + 1);
    },

    /** Parks `event` until `ticketId` is known; false when it was parked already (a redelivery). */
    async park(ticketId: string, event: CloudEvent): Promise<boolean> {
      try {
        await parked().insertOne({
          _id: `${instanceId}:${event.id}`,
          instanceId,
          ticketId,
          event: JSON.stringify(event),
          parkedAt: new Date(),
          n: n++,
        });
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
      byTicket.set(ticketId, (byTicket.get(ticketId) ?? 0) + 1);
      return true;
    },

    has(ticketId: string): boolean {
      return byTicket.has(ticketId);
    },

    tickets(): string[] {
      return [...byTicket.keys()];
    },

    get size(): number {
      let total = 0;
      for (const count of byTicket.values()) total += count;
      return total;
    },

    /** This instance's parked events of `ticketId`, in the order they arrived. */
    async list(ticketId: string): Promise<ParkedEvent[]> {
      const docs = await parked().find({ instanceId, ticketId }).toArray();
      docs.sort((a, b) => a.parkedAt.getTime() - b.parkedAt.getTime() || a.n - b.n);
      return docs.map(toParked);
    },

    /** Removes parked events once handled (replayed or expired, of this instance or a gone one). */
    async remove(events: readonly ParkedEvent[]): Promise<void> {
      if (events.length === 0) return;
      await parked().deleteMany({ _id: { $in: events.map((e) => e.id) } });
      for (const e of events) if (e.id.startsWith(`${instanceId}:`)) forget(e.ticketId, 1);
    },

    /** Parked events of any instance older than `before` (instances that are gone leave theirs). */
    async expired(before: Date): Promise<ParkedEvent[]> {
      const docs = await parked()
        .find({ parkedAt: { $lt: before } })
        .toArray();
      return docs.map(toParked);
    },
  };
}

export type ParkedEvents = ReturnType<typeof createParkedEvents>;
