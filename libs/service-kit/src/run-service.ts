import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Telemetry } from '@support-center/telemetry';
import type { Dependency } from './dependencies/dependency';
import { keepTrying } from './dependencies/retry';
import { requestClasses } from './http/request-classes';
import type { Logger } from './logger';
import { shutdown, ShutdownTimeoutError } from './shutdown';
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
  /** Stops as on SIGTERM; resolves once everything is closed, rejects (ShutdownTimeoutError) past the deadline. */
  stop(): Promise<void>;
}

/**
 * Listens, and on SIGTERM or SIGINT shuts down in order: stop accepting, let in-flight
 * requests finish, stop the workers, close the clients, flush telemetry, exit 0. The whole
 * shutdown has one deadline; past it the process logs what it still waited for and exits 1.
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
  const failures = options.telemetry.metrics.background_task_failures_total;
  const stopStarting = (options.workers ?? []).map((worker) => {
    // The series exists from the start, so a rate or an increase sees the first failure.
    failures.add(0, { task: worker.name });
    return keepTrying(() => worker.start(), {
      what: worker.name,
      logger,
      onFailure: () => failures.add(1, { task: worker.name }),
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const stopTrying of stopStarting) stopTrying();
      await shutdown({ ...options, server, workers: options.workers ?? [] }, options.shutdownTimeoutMs);
    })());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, `${name} shutting down`);
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          if (error instanceof ShutdownTimeoutError) {
            logger.error(
              { timeoutMs: error.timeoutMs, waitingFor: error.waitingFor },
              'shutdown deadline passed; exiting without them',
            );
          } else logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  return { server, port: actualPort, stop };
}
