import type { MongoDependency } from '@support-center/service-kit';
import type { CloudEvent } from '@support-center/events';
import { duplicatePositions } from '@support-center/store';

type Connection = MongoDependency['connection'];

export const NOTIFICATIONS_COLLECTION = 'notifications';

/** Milliseconds since the epoch, zero-padded so the string order is the time order. */
const TIME_DIGITS = 15;

/** A notification as the API returns it. */
export interface NotificationView {
  /** `<time>-<event id>`: the same for every recipient of the event, and the order of the list. */
  id: string;
  event: string;
  data: unknown;
  /** When the event happened (ISO 8601). */
  at: string;
  read: boolean;
}

interface NotificationDocument {
  /**
   * `<recipient>/<id>`: a user's notifications are one `_id` range, newest last, so listing is
   * an `_id` range read (the only kind FerretDB serves from an index), and an event stored twice
   * for one recipient hits the unique `_id` (11000) instead of being stored again.
   */
  _id: string;
  recipient: string;
  eventId: string;
  event: string;
  data: unknown;
  at: Date;
  read: boolean;
}

export interface NotificationPage {
  items: NotificationView[];
  /** The id of the last item when there may be more (the next page starts after it). */
  next: string | null;
}

/** The notification id of an event: its time (padded) then its id. */
export function notificationId(event: Pick<CloudEvent, 'id' | 'time'>): string {
  const ms = Math.max(0, new Date(event.time).getTime() || 0);
  return `${String(ms).padStart(TIME_DIGITS, '0')}-${event.id}`;
}

/** The smallest id of a notification at or after `time`. */
function idFrom(time: Date): string {
  return String(Math.max(0, time.getTime())).padStart(TIME_DIGITS, '0');
}

const ID_PATTERN = new RegExp(`^\\d{${TIME_DIGITS}}-.+$`);

export function isNotificationId(text: string): boolean {
  return ID_PATTERN.test(text);
}

function keyOf(recipient: string, id: string): string {
  return `${recipient}/${id}`;
}

function view(doc: NotificationDocument): NotificationView {
  return {
    id: doc._id.slice(doc.recipient.length + 1),
    event: doc.event,
    data: doc.data,
    at: doc.at.toISOString(),
    read: doc.read,
  };
}

export interface NotificationStoreOptions {
  /** How long notifications are kept; older ones are gone for reads before the sweep deletes them. */
  retentionMs: number;
}

/** Each user's notification history, kept for `retentionMs`. */
export function createNotificationStore(connection: Connection, { retentionMs }: NotificationStoreOptions) {
  const notifications = () => connection.collection<NotificationDocument>(NOTIFICATIONS_COLLECTION);

  /** A user's notifications still kept at `now`, as an `_id` range (below `before` when given). */
  function range(recipient: string, now: Date, before?: string): Record<string, unknown> {
    return {
      _id: {
        $gte: keyOf(recipient, idFrom(new Date(now.getTime() - retentionMs))),
        // '0' follows '/': the end of this recipient's range.
        $lt: before === undefined ? `${recipient}0` : keyOf(recipient, before),
      },
      // A recipient id holding a '/' could share a prefix with another one: the field decides.
      recipient,
    };
  }

  return {
    async ensureIndexes(): Promise<void> {
      // For MongoDB's unread counts and the sweep; FerretDB scans either way.
      await notifications().createIndex({ recipient: 1, read: 1 });
      await notifications().createIndex({ at: 1 });
    },

    /**
     * Stores `event` for each recipient, once, in one command: a repeat (Kafka's at-least-once
     * delivery, or every instance storing what it notifies) hits the `_id` and is skipped. Resolves
     * the id.
     */
    async store(event: CloudEvent, recipients: readonly string[]): Promise<string> {
      const id = notificationId(event);
      if (recipients.length === 0) return id;
      const at = new Date(event.time);
      const documents = recipients.map((recipient) => ({
        _id: keyOf(recipient, id),
        recipient,
        eventId: event.id,
        event: event.type,
        data: event.data,
        at: Number.isNaN(at.getTime()) ? new Date() : at,
        read: false,
      }));
      try {
        await notifications().insertMany(documents, { ordered: false });
      } catch (error) {
        // Unordered: every document not refused as a repeat was stored.
        if (!duplicatePositions(error)) throw error;
      }
      return id;
    },

    /** A page of `recipient`'s notifications, newest first, after the one with id `after`. */
    async list(
      recipient: string,
      query: { limit: number; after?: string; unread?: boolean },
      now = new Date(),
    ): Promise<NotificationPage> {
      const filter = range(recipient, now, query.after);
      if (query.unread) filter.read = false;
      const docs = await notifications()
        .find(filter)
        .sort({ _id: -1 })
        .limit(query.limit + 1)
        .toArray();
      const items = docs.slice(0, query.limit).map(view);
      return { items, next: docs.length > query.limit ? items[items.length - 1]!.id : null };
    },

    unreadCount(recipient: string, now = new Date()): Promise<number> {
      return notifications().countDocuments({ ...range(recipient, now), read: false });
    },

    /** Marks one of `recipient`'s notifications read; false when they have none with this id. */
    async markRead(recipient: string, id: string, now = new Date()): Promise<boolean> {
      const result = await notifications().updateOne(
        { _id: keyOf(recipient, id), recipient, at: { $gte: new Date(now.getTime() - retentionMs) } },
        { $set: { read: true } },
      );
      return result.matchedCount === 1;
    },

    /** Marks all of `recipient`'s notifications read; resolves how many were unread. */
    async markAllRead(recipient: string, now = new Date()): Promise<number> {
      const result = await notifications().updateMany(
        { ...range(recipient, now), read: false },
        { $set: { read: true } },
      );
      return result.modifiedCount;
    },

    /** Deletes the notifications older than the retention; resolves how many. */
    async purge(now = new Date()): Promise<number> {
      const result = await notifications().deleteMany({ at: { $lt: new Date(now.getTime() - retentionMs) } });
      return result.deletedCount;
    },
  };
}

export type NotificationStore = ReturnType<typeof createNotificationStore>;
