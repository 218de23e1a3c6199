import { openChatSocket, type ChatSocket, type WebSocketConstructor } from '@support-center/client';
import WebSocket from 'ws';
import type { Action, Outcome, World } from './actions';
import type { Session } from './session';

const REPLY_TIMEOUT_MS = 5000;

/**
 * One /chat socket per account, opened on first use and kept for the run. Like a frontend
 * closing a chat, an action leaves the room it joined once done (unless another action on the
 * same socket is still in it): the server caps the rooms one connection may be in.
 */
export class ChatSockets {
  private readonly sockets = new Map<string, Promise<ChatSocket>>();
  /** How many actions are in each room, per socket (a closed socket is forgotten with it). */
  private readonly inRoom = new WeakMap<ChatSocket, Map<string, number>>();

  constructor(private readonly realtimeUrl: string) {}

  socketFor(session: Session): Promise<ChatSocket> {
    let socket = this.sockets.get(session.username);
    if (!socket) {
      const chat = openChatSocket({
        baseUrl: this.realtimeUrl,
        token: session.token,
        // Node 20 has no global WebSocket; the ws package's has the browser API the client uses.
        WebSocket: WebSocket as unknown as WebSocketConstructor,
      });
      void chat.closed.then(() => this.sockets.delete(session.username));
      socket = chat.opened.then(() => chat);
      socket.catch(() => this.sockets.delete(session.username));
      this.sockets.set(session.username, socket);
    }
    return socket;
  }

  join(chat: ChatSocket, ticketId: string): void {
    const rooms = this.inRoom.get(chat) ?? new Map<string, number>();
    this.inRoom.set(chat, rooms);
    const users = rooms.get(ticketId) ?? 0;
    rooms.set(ticketId, users + 1);
    if (users === 0) chat.join(ticketId);
  }

  leave(chat: ChatSocket, ticketId: string): void {
    const rooms = this.inRoom.get(chat);
    const users = rooms?.get(ticketId) ?? 0;
    if (users > 1) return void rooms?.set(ticketId, users - 1);
    rooms?.delete(ticketId);
    chat.leave(ticketId);
  }

  closeAll(): void {
    for (const socket of this.sockets.values())
      void socket.then(
        (chat) => chat.close(1000),
        () => undefined,
      );
  }
}

/** Posts a chat message in a ticket's room and waits for it to come back with its sequence number. */
export function chatAction(sockets: ChatSockets): Action {
  return {
    name: 'chat message',
    weight: 12,
    async run(world: World) {
      const ticket = [...world.open, ...world.assigned][
        Math.floor(Math.random() * (world.open.length + world.assigned.length))
      ];
      if (!ticket) return { expected: true, status: 0 };
      const author = Math.random() < 0.5 ? world.sessions.agent : ticket.requester;
      const chat = await sockets.socketFor(author);
      const body = `Still looking into it (${Date.now()})`;
      const reply = waitForReply(chat, ticket.id, body);
      sockets.join(chat, ticket.id);
      chat.post(ticket.id, body);
      try {
        return await reply;
      } finally {
        sockets.leave(chat, ticket.id);
      }
    },
  };
}

function waitForReply(chat: ChatSocket, ticketId: string, body: string): Promise<Outcome> {
  return new Promise((done) => {
    const finish = (expected: boolean, status: number, detail?: string) => {
      clearTimeout(timer);
      stop();
      done({ expected, status, detail });
    };
    const stop = chat.onFrame((frame) => {
      if (frame.type === 'message' && frame.ticketId === ticketId && frame.body === body) finish(true, 200);
      // One socket serves an account's every room: an error about another room is not this one's.
      else if (
        frame.type === 'error' &&
        frame.code !== 'NOT_JOINED' &&
        (frame.ticketId === undefined || frame.ticketId === ticketId)
      )
        finish(false, 400, `error frame ${frame.code}`);
    });
    const timer = setTimeout(
      () => finish(false, 504, `no reply in ${REPLY_TIMEOUT_MS / 1000} s`),
      REPLY_TIMEOUT_MS,
    );
  });
}
