import type { Server } from 'node:http';
import { SupportCenterError, type Telemetry } from '@support-center/telemetry';
import type { Dependency } from './dependencies/dependency';
import type { Logger } from './logger';
import type { Worker } from './worker';

export interface ShutdownParts {
  server: Server;
  logger: Logger;
  telemetry: Telemetry;
  dependencies: readonly Dependency[];
  workers: readonly Worker[];
  sockets?: { close(): Promise<void> };
  onShutdownStart?: () => void;
}

/** The shutdown passed its deadline; `waitingFor` names the steps that had not finished. */
export class ShutdownTimeoutError extends SupportCenterError {
  constructor(
    readonly timeoutMs: number,
    readonly waitingFor: readonly string[],
  ) {
    super(
      'ERR_SHUTDOWN_TIMEOUT',
      `shutdown did not finish within ${timeoutMs} ms; still waiting for ${waitingFor.join(', ')}`,
    );
  }
}

/**
 * Shuts down in order — stop accepting and drain requests, stop the workers, close the clients,
 * flush telemetry — all under one deadline. A step can hang for good (a client retrying an engine
 * that is gone), so past the deadline this rejects with the steps still running, by name.
 */
export async function shutdown(parts: ShutdownParts, timeoutMs: number): Promise<void> {
  const pending = new Set<string>();
  const track = async (name: string, work: () => Promise<void>): Promise<void> => {
    pending.add(name);
    try {
      await work();
    } finally {
      pending.delete(name);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Whatever the hung step, no connection may outlive the deadline.
      parts.server.closeAllConnections();
      reject(new ShutdownTimeoutError(timeoutMs, [...pending]));
    }, timeoutMs);
  });
  try {
    await Promise.race([steps(parts, track), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

type Track = (name: string, work: () => Promise<void>) => Promise<void>;

async function steps(parts: ShutdownParts, track: Track): Promise<void> {
  const { server, logger, dependencies, workers, telemetry } = parts;
  parts.onShutdownStart?.();
  // Upgraded sockets are no requests: server.close() would wait for them until the deadline.
  await track('sockets', async () => {
    await parts.sockets
      ?.close()
      .catch((error: unknown) => logger.warn({ err: error }, 'closing sockets failed'));
  });

  await track('http requests', async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections with no request in flight would hold close() open until they time out.
    server.closeIdleConnections();
    await closed;
  });

  // Workers finish what they hold (a consumer's batch, a relay's publish) while clients are still open.
  await Promise.all(
    workers.map((worker) =>
      track(worker.name, () =>
        worker
          .stop()
          .catch((error: unknown) => logger.warn({ err: error, worker: worker.name }, 'stop failed')),
      ),
    ),
  );

  await Promise.all(
    dependencies.map((dependency) =>
      track(dependency.name, () =>
        dependency
          .close()
          .catch((error: unknown) =>
            logger.warn({ err: error, dependency: dependency.name }, 'close failed'),
          ),
      ),
    ),
  );
  await track('telemetry', () => telemetry.shutdown());
  logger.info('stopped');
}
