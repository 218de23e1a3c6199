import type { CloudEvent } from '@support-center/events';
import { actorOf } from '../domain/actor';
import { isSlaEvent, slaNoticeText } from '../domain/sla-notice';
import { ticketRecipients, type RecipientOptions, type TicketParties } from '../domain/access';
import type { NotificationStore } from '../store/notifications';
import type { NotificationFrame, NotificationHub } from '../ws/notifications';

/** Event ids remembered, per instance, to notify each event once. */
const REMEMBERED_EVENTS = 10_000;

function frameOf(event: CloudEvent, id: string): NotificationFrame {
  const frame: NotificationFrame = {
    type: 'notification',
    id,
    event: event.type,
    data: event.data,
    at: event.time,
  };
  if (isSlaEvent(event)) frame.text = slaNoticeText(event);
  return frame;
}

/**
 * Stores each event in its recipients' notification history, then pushes it to this instance's
 * `/ws/notifications` sockets, each event once: Kafka delivers at least once (a consumer that
 * loses its group mid-message, after an outage say, gets the message again), and a client should
 * not see the same notification twice. The last `REMEMBERED_EVENTS` ids are kept in memory; the
 * history stores an event once per recipient whichever instance (or delivery) stores it.
 * Nobody is notified of their own action.
 */
export class Notifier {
  private readonly sent = new Set<string>();

  constructor(
    private readonly hub: NotificationHub,
    private readonly history: Pick<NotificationStore, 'store'>,
  ) {}

  /**
   * Stores and sends `event` to `userIds` (but its actor) unless it was sent already; false for
   * a repeat. A failed store rejects, before anything is sent, so the event can be tried again.
   */
  async notify(event: CloudEvent, userIds: readonly string[]): Promise<boolean> {
    if (this.sent.has(event.id)) return false;
    const actor = actorOf(event);
    const recipients = userIds.filter((id) => id !== actor);
    const id = await this.history.store(event, recipients);
    if (this.sent.has(event.id)) return false;
    this.sent.add(event.id);
    // A Set iterates in insertion order: the first one is the oldest.
    if (this.sent.size > REMEMBERED_EVENTS) this.sent.delete(this.sent.values().next().value as string);
    this.hub.notify(recipients, frameOf(event, id));
    return true;
  }

  /** Notifies the users an event about a known ticket concerns (file and chat events, whose data does not name them). */
  ticketEvent(event: CloudEvent, ticket: TicketParties, options: RecipientOptions = {}): Promise<boolean> {
    return this.notify(event, ticketRecipients(ticket, options));
  }
}
