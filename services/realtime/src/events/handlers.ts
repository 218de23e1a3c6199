import type { EventHandler, EventHandlers, EventType } from '@support-center/events';
import { ticketRecipients } from '../domain/access';
import { isSlaEvent, SLA_EVENTS, slaRecipients } from '../domain/sla-notice';
import type { TicketEvent } from '../domain/ticket-staff';
import type { TicketProjection } from '../store/tickets';
import type { ChatRooms } from '../ws/chat-rooms';
import type { TicketArrivals } from './arrivals';
import type { Notifier } from './notifier';
import type { Parking } from './parking';
import { TicketAgents } from './ticket-agents';

type TicketEventType = Extract<EventType, `ticket.${string}`>;
type FileEventType = Extract<EventType, `file.${string}`>;

const TICKET_EVENTS = [
  'ticket.created',
  'ticket.assigned',
  'ticket.status_changed',
  'ticket.solved',
  'ticket.commented',
  ...SLA_EVENTS,
] as const satisfies readonly TicketEventType[];
const FILE_EVENTS = ['file.uploaded', 'file.deleted'] as const satisfies readonly FileEventType[];

function forEach<T extends EventType>(types: readonly T[], handler: EventHandler<T>): EventHandlers {
  return Object.fromEntries(types.map((type) => [type, handler])) as EventHandlers;
}

/** The shared group `realtime.tickets`: keeps the ticket projection (once, whichever instance). */
export function projectionHandlers(
  tickets: TicketProjection,
  arrivals: Pick<TicketArrivals, 'arrived'>,
): EventHandlers {
  return forEach(TICKET_EVENTS, async (event) => {
    await tickets.apply(event);
    arrivals.arrived(event.data.ticketId);
  });
}

export interface FanoutDependencies {
  tickets: Pick<TicketProjection, 'get' | 'apply'>;
  notifier: Notifier;
  /** Agents and admins connected to this instance now. */
  staffOnline(): Iterable<string>;
  rooms: ChatRooms;
  parking: Pick<Parking, 'deliverOrPark' | 'ticketArrived'>;
  /** Joins waiting for this ticket's events look again. */
  arrivals: Pick<TicketArrivals, 'arrived'>;
  /** The staff on tickets this instance saw created (a fresh `TicketAgents` when not given). */
  agents?: Pick<TicketAgents, 'learn'>;
}

/** This instance's groups: pushes each event to the sockets here that it concerns. */
export function fanoutHandlers({
  tickets,
  notifier,
  staffOnline,
  rooms,
  parking,
  arrivals,
  agents = new TicketAgents(),
}: FanoutDependencies) {
  /** The staff on a ticket this instance did not see created, from the shared projection. */
  async function projectedAgents(event: TicketEvent): Promise<readonly string[]> {
    const projected = await tickets.get(event.data.ticketId);
    if (event.type !== 'ticket.created') return projected?.agentIds ?? [];
    // The shared projection group may be behind this one (it rejoins its group after an outage,
    // say): a ticket's first event makes the ticket known here at once, so chat on it and the
    // events parked for it need not wait. Later events are left to that group, in their order.
    if (!projected) await tickets.apply(event);
    // Nobody worked on a ticket before it existed; the shared group may already be further on.
    return [];
  }

  return {
    tickets: forEach(TICKET_EVENTS, async (event) => {
      const { ticketId, requesterId, assigneeId } = event.data;
      const agentIds = agents.learn(event) ?? (await projectedAgents(event));
      const parties = { ticketId, requesterId, assigneeId, agentIds };
      const recipients = isSlaEvent(event)
        ? slaRecipients(event, parties, staffOnline())
        : ticketRecipients(parties, {
            // Internal comments are for staff only.
            staffOnly: event.type === 'ticket.commented' && event.data.internal,
            also: event.type === 'ticket.assigned' ? [event.data.previousAssigneeId] : [],
          });
      await notifier.notify(event, recipients);
      await parking.ticketArrived(ticketId, parties);
      arrivals.arrived(ticketId);
    }),
    // Parked, not dropped, while the ticket is not known here yet.
    files: forEach(FILE_EVENTS, async (event) => {
      await parking.deliverOrPark(event.data.ticketId, event);
    }),
    chat: {
      'chat.message_posted': async (event) => {
        const { messageId, ticketId, seq, authorId, body, at } = event.data;
        await rooms.deliver({ id: messageId, ticketId, seq, authorId, body, at });
        await parking.deliverOrPark(ticketId, event);
      },
    } satisfies EventHandlers,
  };
}
