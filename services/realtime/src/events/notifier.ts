import type { CloudEvent } from '@support-center/events';
import { ticketRecipients, type RecipientOptions, type TicketParties } from '../domain/access';
import type { NotificationFrame, NotificationHub } from '../ws/notifications';

/** Event ids remembered, per instance, to notify each event once. */
const REMEMBERED_EVENTS = 10_000;

function frameOf(event: CloudEvent): NotificationFrame {
  return { type: 'notification', event: event.type, data: event.data, at: event.time };
}

/**
 * Pushes events to this instance's `/ws/notifications` sockets, each event once: Kafka delivers at
 * least once (a consumer that loses its group mid-message, after an outage say, gets the message
 * again), and a client should not see the same notification twice. The last
 * `REMEMBERED_EVENTS` ids are kept in memory.
 */
export class Notifier {
  private readonly sent = new Set<string>();

  constructor(private readonly hub: NotificationHub) {}

  /** Sends `event` to `userIds` unless it was sent already; false for a repeat. */
  notify(event: CloudEvent, userIds: readonly string[]): boolean {
    if (this.sent.has(event.id)) return false;
    this.sent.add(event.id);
    // A Set iterates in insertion order: the first one is the oldest.
    if (this.sent.size > REMEMBERED_EVENTS) this.sent.delete(this.sent.values().next().value as string);
    this.hub.notify(userIds, frameOf(event));
    return true;
  }

  /** Notifies the users an event about a known ticket concerns (file and chat events, whose data does not name them). */
  ticketEvent(event: CloudEvent, ticket: TicketParties, options: RecipientOptions = {}): boolean {
    const except =
      event.type === 'chat.message_posted'
        ? (event as CloudEvent<'chat.message_posted'>).data.authorId
        : undefined;
    return this.notify(event, ticketRecipients(ticket, { except, ...options }));
  }
}
