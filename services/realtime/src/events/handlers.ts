import type { CloudEvent, EventHandler, EventHandlers, EventType } from '@support-center/events';
import { ticketRecipients } from '../domain/access';
import type { TicketProjection } from '../store/tickets';
import type { ChatRooms } from '../ws/chat-rooms';
import type { NotificationFrame, NotificationHub } from '../ws/notifications';

type TicketEventType = Extract<EventType, `ticket.${string}`>;
type FileEventType = Extract<EventType, `file.${string}`>;

const TICKET_EVENTS = [
  'ticket.created',
  'ticket.assigned',
  'ticket.status_changed',
  'ticket.solved',
  'ticket.commented',
] as const satisfies readonly TicketEventType[];
const FILE_EVENTS = ['file.uploaded', 'file.deleted'] as const satisfies readonly FileEventType[];

function frameOf(event: CloudEvent): NotificationFrame {
  return { type: 'notification', event: event.type, data: event.data, at: event.time };
}

function forEach<T extends EventType>(types: readonly T[], handler: EventHandler<T>): EventHandlers {
  return Object.fromEntries(types.map((type) => [type, handler])) as EventHandlers;
}

/** The shared group `realtime.tickets`: keeps the ticket projection (once, whichever instance). */
export function projectionHandlers(tickets: TicketProjection): EventHandlers {
  return forEach(TICKET_EVENTS, (event) => tickets.apply(event));
}

export interface FanoutDependencies {
  tickets: Pick<TicketProjection, 'get'>;
  hub: NotificationHub;
  rooms: ChatRooms;
}

/** This instance's groups: pushes each event to the sockets here that it concerns. */
export function fanoutHandlers({ tickets, hub, rooms }: FanoutDependencies) {
  return {
    tickets: forEach(TICKET_EVENTS, async (event) => {
      const { ticketId, requesterId, assigneeId } = event.data;
      const projected = await tickets.get(ticketId);
      const parties = { ticketId, requesterId, assigneeId, agentIds: projected?.agentIds ?? [] };
      const recipients = ticketRecipients(parties, {
        // Internal comments are for staff only.
        staffOnly:
          event.type === 'ticket.commented' && (event as CloudEvent<'ticket.commented'>).data.internal,
        also:
          event.type === 'ticket.assigned'
            ? [(event as CloudEvent<'ticket.assigned'>).data.previousAssigneeId]
            : [],
      });
      hub.notify(recipients, frameOf(event));
    }),
    files: forEach(FILE_EVENTS, async (event) => {
      const ticket = await tickets.get(event.data.ticketId);
      if (ticket) hub.notify(ticketRecipients(ticket), frameOf(event));
    }),
    chat: {
      'chat.message_posted': async (event) => {
        const { messageId, ticketId, seq, authorId, body, at } = event.data;
        await rooms.deliver({ id: messageId, ticketId, seq, authorId, body, at });
        const ticket = await tickets.get(ticketId);
        if (ticket) hub.notify(ticketRecipients(ticket, { except: authorId }), frameOf(event));
      },
    } satisfies EventHandlers,
  };
}
