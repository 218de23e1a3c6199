import type { Client } from './client';

/** A `/ws/notifications` frame: `{type, event, data, at}` (docs/architecture.md, "API shapes"). */
export interface NotificationFrame {
  type: 'notification';
  /** The event type (`ticket.assigned`). */
  event: string;
  data: unknown;
  /** When the event happened (ISO 8601). */
  at: string;
}

/** Who is connected to `/ws/notifications` on this instance, by user id. */
export class NotificationHub {
  private readonly byUser = new Map<string, Set<Client>>();

  add(client: Client): void {
    let clients = this.byUser.get(client.user.id);
    if (!clients) this.byUser.set(client.user.id, (clients = new Set()));
    clients.add(client);
  }

  remove(client: Client): void {
    const clients = this.byUser.get(client.user.id);
    clients?.delete(client);
    if (clients?.size === 0) this.byUser.delete(client.user.id);
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
