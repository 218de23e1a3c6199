import { randomUUID } from 'node:crypto';
import type { MongoDependency } from '@support-center/service-kit';
import { createEvent, type Outbox } from '@support-center/events';
import { isDuplicateKeyError } from '@support-center/store';
import { SupportCenterError } from '@support-center/telemetry';

type Connection = MongoDependency['connection'];

export const MESSAGES_COLLECTION = 'chat_messages';
const ROOMS_COLLECTION = 'chat_rooms';
const SOURCE = '/support-center/realtime';

/** A chat message as the store holds it and frames carry it. */
export interface ChatMessage {
  id: string;
  ticketId: string;
  seq: number;
  authorId: string;
  body: string;
  /** ISO 8601. */
  at: string;
}

interface MessageDocument extends ChatMessage {
  /** `<ticketId>:<seq>`: the key that makes each sequence number taken once. */
  _id: string;
  _outbox?: string[];
}

interface RoomDocument {
  _id: string;
  /** A lower bound of the room's last sequence number (where the next post starts probing). */
  seq: number;
}

/** Every probed sequence number was taken by concurrent posts; the post may succeed if sent again. */
export class RoomBusyError extends SupportCenterError {
  constructor(ticketId: string) {
    super('ERR_ROOM_BUSY', `too many concurrent posts in room ${ticketId}`, { retriable: true });
  }
}

export interface MessageStoreOptions {
  /** Attempts at the next free sequence number before giving up (contention in one room). */
  maxAttempts?: number;
}

/**
 * Chat messages, each with a per-room sequence number that grows by exactly one.
 *
 * A post inserts its message with `_id` `<room>:<seq>`, trying seq = hint + 1, + 2, … until the
 * insert does not hit the unique `_id` (11000 on both MongoDB and FerretDB). Sequence `n` is only
 * tried once `n - 1` exists, so the sequence has no holes, even after a crash mid-post (a
 * `$inc` counter followed by an insert would leave one). The room document's `seq` is only a hint
 * (raised with `$max` after the insert) so the probe starts near the end. The message's
 * `chat.message_posted` event is written in the same insert (transactional outbox).
 */
export function createMessageStore(
  connection: Connection,
  outbox: Outbox,
  { maxAttempts = 200 }: MessageStoreOptions = {},
) {
  const messages = () => connection.collection<MessageDocument>(MESSAGES_COLLECTION);
  const rooms = () => connection.collection<RoomDocument>(ROOMS_COLLECTION);
  const withoutOutbox = { projection: { _outbox: 0 } } as const;

  async function lastSeqHint(ticketId: string): Promise<number> {
    return (await rooms().findOne({ _id: ticketId }))?.seq ?? 0;
  }

  async function raiseHint(ticketId: string, seq: number): Promise<void> {
    try {
      await rooms().updateOne({ _id: ticketId }, { $max: { seq } }, { upsert: true });
    } catch (error) {
      // Two first posts upserting the room at once: the loser's update finds the document now.
      if (!isDuplicateKeyError(error)) throw error;
      await rooms().updateOne({ _id: ticketId }, { $max: { seq } });
    }
  }

  return {
    async ensureIndexes(): Promise<void> {
      // For MongoDB's range reads; FerretDB scans either way (only `_id` lookups are indexed there).
      await messages().createIndex({ ticketId: 1, seq: 1 }, { unique: true });
    },

    /** Stores a message at the room's next sequence number, with its event in the same write. */
    async post(input: { ticketId: string; authorId: string; body: string; at?: Date }): Promise<ChatMessage> {
      const { ticketId, authorId, body } = input;
      const at = (input.at ?? new Date()).toISOString();
      const id = randomUUID();
      let seq = (await lastSeqHint(ticketId)) + 1;
      for (let attempt = 1; ; attempt++, seq++) {
        const message: ChatMessage = { id, ticketId, seq, authorId, body, at };
        const event = createEvent('chat.message_posted', { messageId: id, ...message }, { source: SOURCE });
        try {
          await outbox.insertOne(messages(), { _id: `${ticketId}:${seq}`, ...message }, [event]);
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
          if (attempt >= maxAttempts) throw new RoomBusyError(ticketId);
          continue;
        }
        await raiseHint(ticketId, seq).catch(() => undefined); // only a hint: the next post probes further
        return message;
      }
    },

    /** The last `limit` messages of a room, oldest first. */
    async latest(ticketId: string, limit: number): Promise<ChatMessage[]> {
      const docs = await messages()
        .find({ ticketId }, withoutOutbox)
        .sort({ seq: -1 })
        .limit(limit)
        .toArray();
      return docs.reverse().map(toMessage);
    },

    /** Messages with `afterSeq < seq < beforeSeq` (no upper bound when omitted), oldest first. */
    async range(
      ticketId: string,
      afterSeq: number,
      beforeSeq?: number,
      limit = 1000,
    ): Promise<ChatMessage[]> {
      const seq = beforeSeq === undefined ? { $gt: afterSeq } : { $gt: afterSeq, $lt: beforeSeq };
      const docs = await messages()
        .find({ ticketId, seq }, withoutOutbox)
        .sort({ seq: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toMessage);
    },
  };
}

export type MessageStore = ReturnType<typeof createMessageStore>;

function toMessage(doc: MessageDocument): ChatMessage {
  return {
    id: doc.id,
    ticketId: doc.ticketId,
    seq: doc.seq,
    authorId: doc.authorId,
    body: doc.body,
    at: doc.at,
  };
}
