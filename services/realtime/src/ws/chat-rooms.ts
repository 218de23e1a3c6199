import { nextStep } from '../domain/sequence';
import type { ChatMessage, MessageStore } from '../store/messages';
import type { Client } from './client';

interface Room {
  /** The last sequence number delivered to this instance's members, in order. */
  last: number;
  members: Set<Client>;
  /** Room operations run one after another, so deliveries stay in order across async reads. */
  tail: Promise<void>;
  /** Operations queued on `tail`; the room is forgotten only when it has no members and none. */
  pending: number;
}

export interface ChatRoomsOptions {
  store: Pick<MessageStore, 'latest' | 'range'>;
  historyLimit: number;
  onError: (error: unknown, ticketId: string) => void;
}

/**
 * This instance's rooms and their members. Messages arrive from local posts and from the `chat`
 * topic (every instance, in any order, possibly twice); each room delivers them to its members
 * strictly by sequence number: a repeat is dropped, and a jump first fetches the messages in
 * between from the store (a message exists there before its event is published, and sequence
 * `n` exists before `n + 1`), so clients see 1, 2, 3, … with no gap and no repeat.
 */
export class ChatRooms {
  private readonly rooms = new Map<string, Room>();

  constructor(private readonly options: ChatRoomsOptions) {}

  /** Adds `client` to the room and returns its initial load (the last messages, oldest first). */
  join(client: Client, ticketId: string): Promise<ChatMessage[]> {
    let room = this.rooms.get(ticketId);
    if (!room) {
      room = { last: 0, members: new Set(), tail: Promise.resolve(), pending: 0 };
      this.rooms.set(ticketId, room);
    }
    const current = room;
    current.pending++;
    const joined = this.enqueue(current, ticketId, async () => {
      const history = await this.options.store.latest(ticketId, this.options.historyLimit);
      const newest = history.at(-1)?.seq ?? 0;
      // The store is ahead of what this room delivered (events still on their way): catch the
      // members up first, so the newcomer and they continue from the same point.
      if (newest > current.last) {
        if (current.members.size > 0) await this.fill(current, ticketId, newest + 1);
        current.last = newest;
      }
      if (client.ws.readyState <= 1) {
        current.members.add(client);
        client.rooms.add(ticketId);
      }
      return history;
    });
    return joined;
  }

  leave(client: Client, ticketId: string): void {
    client.rooms.delete(ticketId);
    this.rooms.get(ticketId)?.members.delete(client);
    this.forgetIfEmpty(ticketId);
  }

  leaveAll(client: Client): void {
    for (const ticketId of [...client.rooms]) this.leave(client, ticketId);
  }

  isMember(client: Client, ticketId: string): boolean {
    return this.rooms.get(ticketId)?.members.has(client) ?? false;
  }

  /** Delivers a message to the room's members in sequence order; a no-op for rooms nobody here joined. */
  deliver(message: ChatMessage): Promise<void> {
    const room = this.rooms.get(message.ticketId);
    if (!room) return Promise.resolve();
    room.pending++;
    return this.enqueue(room, message.ticketId, async () => {
      const step = nextStep(room.last, message.seq);
      if (step.kind === 'duplicate') return;
      // Delivered only after what lies before it; if that cannot be read now, the next message
      // (or the client's resync) fills the gap.
      if (step.kind === 'gap' && !(await this.fill(room, message.ticketId, message.seq))) return;
      this.broadcast(room, message);
    }).catch((error: unknown) => this.options.onError(error, message.ticketId));
  }

  /** Runs `work` after the room's earlier operations; the room is forgotten once idle and empty. */
  private enqueue<T>(room: Room, ticketId: string, work: () => Promise<T>): Promise<T> {
    const result = room.tail.then(work);
    room.tail = result.then(
      () => this.settle(room, ticketId),
      () => this.settle(room, ticketId),
    );
    return result;
  }

  private settle(room: Room, ticketId: string): void {
    room.pending--;
    if (room.pending === 0 && room.members.size === 0 && this.rooms.get(ticketId) === room)
      this.rooms.delete(ticketId);
  }

  /** Fetches and delivers what lies between `room.last` and `beforeSeq`; true when nothing is left. */
  private async fill(room: Room, ticketId: string, beforeSeq: number): Promise<boolean> {
    while (room.last + 1 < beforeSeq) {
      const before = room.last;
      const missing = await this.options.store.range(ticketId, room.last, beforeSeq);
      for (const message of missing) if (message.seq === room.last + 1) this.broadcast(room, message);
      if (room.last === before) return false;
    }
    return true;
  }

  private broadcast(room: Room, message: ChatMessage): void {
    room.last = message.seq;
    const payload = JSON.stringify(messageFrame(message));
    for (const member of room.members) member.sendRaw('message', payload);
  }

  private forgetIfEmpty(ticketId: string): void {
    const room = this.rooms.get(ticketId);
    if (room && room.members.size === 0 && room.pending === 0) this.rooms.delete(ticketId);
  }
}

export function messageFrame(message: ChatMessage) {
  const { ticketId, seq, id, authorId, body, at } = message;
  return { type: 'message' as const, ticketId, seq, id, authorId, body, at };
}
