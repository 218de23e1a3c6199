import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Telemetry } from '@support-center/telemetry';
import type { Dependency } from './dependencies/dependency';
import { keepTrying } from './dependencies/retry';
import { requestClasses } from './http/request-classes';
import type { Logger } from './logger';
import type { Worker } from './worker';

export interface RunServiceOptions {
  name: string;
  port: number;
  app: Express;
  logger: Logger;
  telemetry: Telemetry;
  dependencies: readonly Dependency[];
  workers?: readonly Worker[];
  /** Attached once listening; closed when shutdown begins, before in-flight requests drain. */
  sockets?: { attach(server: Server): void; close(): Promise<void> };
  shutdownTimeoutMs: number;
  /** Called when shutdown begins, before the server stops accepting (flip readiness here). */
  onShutdownStart?: () => void;
}

export interface RunningService {
  server: Server;
  port: number;
  /** Stops as on SIGTERM; resolves once everything is closed. */
  stop(): Promise<void>;
}

/**
 * Listens, and on SIGTERM or SIGINT shuts down in order: stop accepting, let in-flight
 * requests finish (up to the deadline), close the clients, flush telemetry, exit 0.
 */
export async function runService(options: RunServiceOptions): Promise<RunningService> {
  const { name, port, app, logger } = options;
  const server = createServer(requestClasses(app), app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  logger.info({ port: actualPort }, `${name} listening`);
  options.sockets?.attach(server);
  const stopStarting = (options.workers ?? []).map((worker) =>
    keepTrying(() => worker.start(), { what: worker.name, logger }),
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const stopTrying of stopStarting) stopTrying();
      await shutdown(server, options);
    })());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, `${name} shutting down`);
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  return { server, port: actualPort, stop };
}

async function shutdown(server: Server, options: RunServiceOptions): Promise<void> {
  const { logger, dependencies, telemetry, shutdownTimeoutMs } = options;
  options.onShutdownStart?.();
  // Upgraded sockets are no requests: server.close() would wait for them until the deadline.
  await options.sockets
    ?.close()
    .catch((error: unknown) => logger.warn({ err: error }, 'closing sockets failed'));

  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections with no request in flight would hold close() open until they time out.
  server.closeIdleConnections();
  const deadline = setTimeout(() => {
    logger.warn({ timeoutMs: shutdownTimeoutMs }, 'requests still in flight at the deadline; closing them');
    server.closeAllConnections();
  }, shutdownTimeoutMs);
  await closed;
  clearTimeout(deadline);

  // Workers finish what they hold (a consumer's batch, a relay's publish) while clients are still open.
  const stopped = await Promise.allSettled((options.workers ?? []).map((w) => w.stop()));
  for (const [i, result] of stopped.entries()) {
    if (result.status === 'rejected')
      logger.warn({ err: result.reason, worker: options.workers?.[i]?.name }, 'stop failed');
  }

  const results = await Promise.allSettled(dependencies.map((d) => d.close()));
  for (const [i, result] of results.entries()) {
    if (result.status === 'rejected')
      logger.warn({ err: result.reason, dependency: dependencies[i]?.name }, 'close failed');
  }
  await telemetry.shutdown();
  logger.info('stopped');
}
