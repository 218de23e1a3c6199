import { RecordingSocket, type Frame } from './sockets';

interface ChatMessage {
  seq: number;
  id: string;
  body: string;
}

/**
 * A chat client as a frontend would write one: it keeps the room's messages in seq order, joins
 * again after a reconnect and resyncs from its last seq, and asks for a resync whenever it sees a
 * jump. It records what each connection received, for the test to check.
 */
export class ResyncingChatClient {
  /** The room as this client shows it. */
  readonly applied: ChatMessage[] = [];
  /** Live `message` frame seqs, one list per connection. */
  readonly liveSeqs: number[][] = [];
  readonly closeCodes: number[] = [];
  /** Messages that reached the client only through a `resync` answer. */
  resynced = 0;
  socket?: RecordingSocket;
  private posted = 0;
  /** The body of the last message sent on the current connection. */
  private lastPost?: string;

  constructor(
    private readonly name: string,
    private readonly token: string,
    private readonly ticketId: string,
  ) {}

  get lastSeq(): number {
    return this.applied.at(-1)?.seq ?? 0;
  }

  get connected(): boolean {
    return this.socket !== undefined && this.socket.closeCode === undefined;
  }

  /**
   * True once the last message sent on the current connection is in the room as this client shows
   * it. The service handles a connection's frames in order and stores a post before delivering it,
   * so by then every post of this connection has been handled.
   */
  get lastPostBack(): boolean {
    const body = this.lastPost;
    return body === undefined || this.applied.some((message) => message.body === body);
  }

  /** Connects to `baseUrl`, joins the room, and resyncs from the last seq it has. */
  async connect(baseUrl: string): Promise<void> {
    const socket = await RecordingSocket.open(baseUrl, '/chat', this.token);
    const live: number[] = [];
    this.liveSeqs.push(live);
    this.socket = socket;
    this.lastPost = undefined;
    socket.onFrame((frame) => this.receive(frame, live));
    void socket.closed.then((code) => this.closeCodes.push(code));
    socket.send({ type: 'join', ticketId: this.ticketId });
    if (this.lastSeq > 0) socket.send({ type: 'resync', ticketId: this.ticketId, afterSeq: this.lastSeq });
  }

  post(): void {
    if (!this.connected) return;
    this.lastPost = `${this.name} ${++this.posted}`;
    this.socket!.send({ type: 'message', ticketId: this.ticketId, body: this.lastPost });
  }

  private receive(frame: Frame, live: number[]): void {
    if (frame.ticketId !== this.ticketId) return;
    if (frame.type === 'message') {
      live.push(frame.seq as number);
      this.apply([frame as unknown as ChatMessage], false);
    } else if (frame.type === 'history') {
      this.apply(frame.messages as ChatMessage[], frame.afterSeq !== undefined);
    }
  }

  private apply(messages: ChatMessage[], fromResync: boolean): void {
    for (const message of messages) {
      if (message.seq <= this.lastSeq) continue; // already shown
      if (message.seq > this.lastSeq + 1) {
        // A jump: ask for what is missing (the answer also holds this message).
        this.socket?.send({ type: 'resync', ticketId: this.ticketId, afterSeq: this.lastSeq });
        return;
      }
      this.applied.push({ seq: message.seq, id: message.id, body: message.body });
      if (fromResync) this.resynced++;
    }
  }
}
