import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { SupportCenterError, type Telemetry } from '@support-center/telemetry';
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
  /**
   * When given, the port opens only once this resolves true (every required dependency up), and
   * not at all when it resolves false (stopped first): LISTEN_WHEN_READY.
   */
  untilReady?: (signal: AbortSignal) => Promise<boolean>;
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
 * Listens (with `untilReady`, once ready), and on SIGTERM or SIGINT shuts down in order: stop accepting, let in-flight
 * requests finish, stop the workers, close the clients, flush telemetry, exit 0. The whole
 * shutdown has one deadline; past it the process logs what it still waited for and exits 1.
 */
export async function runService(options: RunServiceOptions): Promise<RunningService> {
  const { name, port, logger } = options;
  const server = createServer(requestClasses(options.app), options.app);
  const starting = new AbortController();
  const stopStarting = startWorkers(options);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      starting.abort();
      for (const stopTrying of stopStarting) stopTrying();
      await shutdown({ ...options, server, workers: options.workers ?? [] }, options.shutdownTimeoutMs);
    })());
  exitOnSignals(name, logger, stop);

  if (options.untilReady) {
    logger.info(`${name} opens port ${port} once ready`);
    if (!(await options.untilReady(starting.signal))) {
      await stop();
      throw new SupportCenterError('ERR_STOPPED_BEFORE_READY', `${name} was stopped before it was ready`);
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  logger.info({ port: actualPort }, `${name} listening`);
  options.sockets?.attach(server);
  return { server, port: actualPort, stop };
}

/** Starts every worker in the background, each retried until it starts; returns their stops. */
function startWorkers({ workers = [], telemetry, logger }: RunServiceOptions): (() => void)[] {
  const failures = telemetry.metrics.background_task_failures_total;
  return workers.map((worker) => {
    // The series exists from the start, so a rate or an increase sees the first failure.
    failures.add(0, { task: worker.name });
    return keepTrying(() => worker.start(), {
      what: worker.name,
      logger,
      onFailure: () => failures.add(1, { task: worker.name }),
    });
  });
}

function exitOnSignals(name: string, logger: Logger, stop: () => Promise<void>): void {
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
}
