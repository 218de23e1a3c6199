import net from 'node:net';
import type { LogSink } from '../process';
import { isWriteCommand } from './write-commands';
import { EVERYTHING, WriteLocks, type LockScope } from './write-locks';
import {
  MalformedMessageError,
  MessageFramer,
  OP_COMPRESSED,
  commandTarget,
  hasMoreToCome,
  readHeader,
} from './wire';

export interface WriteGuardOptions {
  /** Public port clients connect to (0 picks one). */
  port: number;
  /** FerretDB's internal address. */
  upstreamPort: number;
  upstreamHost?: string;
  /** Where a connection closed for sending malformed messages is reported (default: dropped). */
  log?: LogSink;
}

export interface WriteGuard {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of FerretDB that lets one write command per database be in flight
 * at a time across all connections, which restores the per-document atomicity MongoDB
 * gives (docs/architecture.md, "Atomicity"). Writes to different databases run together;
 * reads and handshakes are forwarded at once.
 */
export function startWriteGuard(options: WriteGuardOptions): Promise<WriteGuard> {
  const writeLocks = new WriteLocks();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    proxyConnection(client, options, writeLocks, sockets);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : options.port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function proxyConnection(
  client: net.Socket,
  options: WriteGuardOptions,
  writeLocks: WriteLocks,
  sockets: Set<net.Socket>,
): void {
  const upstream = net.connect({ port: options.upstreamPort, host: options.upstreamHost ?? '127.0.0.1' });
  sockets.add(upstream);
  client.setNoDelay(true);
  upstream.setNoDelay(true);

  // requestID of a write we forwarded → releases its database's lock when its reply arrives.
  const pendingWrites = new Map<number, () => void>();
  let closed = false;
  const releaseAll = (): void => {
    for (const release of pendingWrites.values()) release();
    pendingWrites.clear();
  };
  const closeBoth = (): void => {
    if (closed) return;
    closed = true;
    releaseAll();
    client.destroy();
    upstream.destroy();
    sockets.delete(upstream);
  };
  client.once('close', closeBoth);
  upstream.once('close', closeBoth);
  client.on('error', closeBoth);
  upstream.on('error', closeBoth);

  const log = options.log ?? (() => undefined);
  const peer = `${client.remoteAddress ?? '?'}:${client.remotePort ?? '?'}`;
  // A peer that breaks the framing is cut off alone: everyone else keeps being served.
  const refuse = (from: string, error: unknown): void => {
    if (closed) return;
    const reason = error instanceof Error ? error.message : String(error);
    log(`write guard: closed the connection of ${peer}: malformed message from the ${from} (${reason})`);
    closeBoth();
  };

  // Messages of one connection go upstream in order: a read sent after a write that is
  // still waiting for the lock waits behind it. Each message is classified as it is
  // framed, so a malformed one closes the connection before anything after it is sent.
  let queue = Promise.resolve();
  const fromClient = new MessageFramer();
  client.on('data', (chunk: Buffer) => {
    if (closed) return;
    try {
      for (const message of fromClient.push(chunk)) {
        const scope = lockScope(message);
        queue = queue.then(() => forward(message, scope));
      }
    } catch (error) {
      if (!(error instanceof MalformedMessageError)) throw error;
      refuse('client', error);
    }
  });

  async function forward(message: Buffer, scope: LockScope | undefined): Promise<void> {
    if (closed) return;
    if (scope === undefined) {
      upstream.write(message);
      return;
    }
    const release = await writeLocks.acquire(scope);
    if (closed) {
      release();
      return;
    }
    upstream.write(message);
    // An unacknowledged write (w:0) gets no reply to wait for.
    if (hasMoreToCome(message)) release();
    else pendingWrites.set(readHeader(message).requestId, release);
  }

  const fromServer = new MessageFramer();
  upstream.on('data', (chunk: Buffer) => {
    // Replies go back as they arrive; the framer only looks at their headers.
    client.write(chunk);
    let replies: Buffer[];
    try {
      replies = fromServer.push(chunk);
    } catch (error) {
      if (!(error instanceof MalformedMessageError)) throw error;
      refuse('server', error);
      return;
    }
    for (const reply of replies) {
      const { responseTo } = readHeader(reply);
      const release = pendingWrites.get(responseTo);
      if (release) {
        pendingWrites.delete(responseTo);
        release();
      }
    }
  });
}

/**
 * The lock a message needs: none for reads, its database for a write that names a collection
 * (FerretDB keeps a database in one SQLite file, which takes one write at a time: two writes
 * let into one file together make one of them sleep in SQLite's busy handler, 1 ms and more),
 * EVERYTHING for other writes (dropDatabase, a body the guard cannot walk) and for
 * compressed messages, which hide their command. Throws a MalformedMessageError for an
 * OP_MSG whose sections do not add up.
 */
function lockScope(message: Buffer): LockScope | undefined {
  if (readHeader(message).opCode === OP_COMPRESSED) return EVERYTHING;
  const target = commandTarget(message);
  if (target === undefined || !isWriteCommand(target.command)) return undefined;
  return target.database ?? EVERYTHING;
}
