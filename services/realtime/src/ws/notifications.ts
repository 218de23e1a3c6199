import type { Logger } from '@support-center/service-kit';
import type { Client } from './client';

/** A `/ws/notifications` frame: `{type, id, event, data, at}` (docs/architecture.md, "API shapes"). */
export interface NotificationFrame {
  type: 'notification';
  /** The notification's id in the history (`POST /api/v1/notifications/:id/read`). */
  id: string;
  /** The event type (`ticket.assigned`). */
  event: string;
  data: unknown;
  /** When the event happened (ISO 8601). */
  at: string;
  /** A line to show, for events whose data alone does not say it (service-level warnings and breaches). */
  text?: string;
}

/** Sent right after a `/ws/notifications` connect: how many of the user's notifications are unread. */
export interface UnreadFrame {
  type: 'unread';
  count: number;
}

export interface NotificationHubOptions {
  /** The user's unread notifications, for the frame sent on connect. */
  unreadCount(userId: string): Promise<number>;
  logger: Pick<Logger, 'warn'>;
}

/** Who is connected to `/ws/notifications` on this instance, by user id. */
export class NotificationHub {
  private readonly byUser = new Map<string, Set<Client>>();

  constructor(private readonly options: NotificationHubOptions) {}

  /** Registers a new connection and sends it the user's unread count. */
  add(client: Client): void {
    let clients = this.byUser.get(client.user.id);
    if (!clients) this.byUser.set(client.user.id, (clients = new Set()));
    clients.add(client);
    this.options.unreadCount(client.user.id).then(
      (count) => {
        const frame: UnreadFrame = { type: 'unread', count };
        client.send(frame);
      },
      // The count is a convenience: the socket stays useful without it.
      (error: unknown) => this.options.logger.warn({ err: error }, 'unread count failed'),
    );
  }

  remove(client: Client): void {
    const clients = this.byUser.get(client.user.id);
    clients?.delete(client);
    if (clients?.size === 0) this.byUser.delete(client.user.id);
  }

  /** Agents and admins connected here now. */
  staffOnline(): string[] {
    const staff: string[] = [];
    for (const [userId, clients] of this.byUser) {
      const role = clients.values().next().value?.user.role;
      if (role === 'agent' || role === 'admin') staff.push(userId);
    }
    return staff;
  }

  /** Sends the frame to every connection of these users; returns how many got it. */
  notify(userIds: Iterable<string>, frame: NotificationFrame): number {
    let payload: string | undefined;
    let sent = 0;
    for (const userId of userIds) {
      for (const client of this.byUser.get(userId) ?? []) {
        payload ??= JSON.stringify(frame);
        if (client.sendRaw('notification', payload)) sent++;
      }
    }
    return sent;
  }
}
