import WebSocket from 'ws';
import type { Action, World } from './actions';
import type { Session } from './session';

const REPLY_TIMEOUT_MS = 5000;

/** One /chat socket per account, opened on first use and kept for the run. */
export class ChatSockets {
  private readonly sockets = new Map<string, Promise<WebSocket>>();

  constructor(private readonly realtimeUrl: string) {}

  socketFor(session: Session): Promise<WebSocket> {
    let socket = this.sockets.get(session.username);
    if (!socket) {
      const url = `${this.realtimeUrl.replace(/^http/, 'ws')}/chat?token=${encodeURIComponent(session.token)}`;
      socket = new Promise((open, fail) => {
        const ws = new WebSocket(url);
        ws.once('open', () => open(ws));
        ws.once('error', fail);
        ws.once('close', () => this.sockets.delete(session.username));
      });
      socket.catch(() => this.sockets.delete(session.username));
      this.sockets.set(session.username, socket);
    }
    return socket;
  }

  closeAll(): void {
    for (const socket of this.sockets.values())
      void socket.then(
        (ws) => ws.close(1000),
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
      const ws = await sockets.socketFor(author);
      const body = `Still looking into it (${Date.now()})`;
      const reply = waitForReply(ws, ticket.id, body);
      ws.send(JSON.stringify({ type: 'join', ticketId: ticket.id }));
      ws.send(JSON.stringify({ type: 'message', ticketId: ticket.id, body }));
      return reply;
    },
  };
}

function waitForReply(
  ws: WebSocket,
  ticketId: string,
  body: string,
): Promise<{ expected: boolean; status: number }> {
  return new Promise((done) => {
    const finish = (expected: boolean, status: number) => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      done({ expected, status });
    };
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data)) as {
        type: string;
        ticketId?: string;
        body?: string;
        code?: string;
      };
      if (frame.type === 'message' && frame.ticketId === ticketId && frame.body === body) finish(true, 200);
      else if (frame.type === 'error' && frame.code !== 'NOT_JOINED') finish(false, 400);
    };
    const timer = setTimeout(() => finish(false, 504), REPLY_TIMEOUT_MS);
    ws.on('message', onMessage);
  });
}
