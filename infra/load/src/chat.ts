import { openChatSocket, type ChatSocket, type WebSocketConstructor } from '@support-center/client';
import WebSocket from 'ws';
import type { Action, World } from './actions';
import type { Session } from './session';

const REPLY_TIMEOUT_MS = 5000;

/** One /chat socket per account, opened on first use and kept for the run. */
export class ChatSockets {
  private readonly sockets = new Map<string, Promise<ChatSocket>>();

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
      chat.join(ticket.id);
      chat.post(ticket.id, body);
      return reply;
    },
  };
}

function waitForReply(
  chat: ChatSocket,
  ticketId: string,
  body: string,
): Promise<{ expected: boolean; status: number }> {
  return new Promise((done) => {
    const finish = (expected: boolean, status: number) => {
      clearTimeout(timer);
      stop();
      done({ expected, status });
    };
    const stop = chat.onFrame((frame) => {
      if (frame.type === 'message' && frame.ticketId === ticketId && frame.body === body) finish(true, 200);
      else if (frame.type === 'error' && frame.code !== 'NOT_JOINED') finish(false, 400);
    });
    const timer = setTimeout(() => finish(false, 504), REPLY_TIMEOUT_MS);
  });
}
