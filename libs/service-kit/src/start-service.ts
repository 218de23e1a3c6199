import type { Express } from 'express';
import type { Telemetry } from '@support-center/telemetry';
import type { BaseConfig } from './config';
import { createApp } from './create-app';
import { DependencyChecker, type Dependency } from './dependencies/dependency';
import { createLogger, type Logger } from './logger';
import { runService, type RunningService } from './run-service';
import type { Worker } from './worker';

export interface ServiceContext<C extends BaseConfig> {
  config: C;
  logger: Logger;
  telemetry: Telemetry;
}

export interface StartServiceOptions<C extends BaseConfig> {
  name: string;
  config: C;
  telemetry: Telemetry;
  /** What the service needs; each connects in the background and /ready reports it. */
  dependencies: (context: ServiceContext<C>) => Dependency[];
  /** Builds the service on its dependencies: its routes and its background workers. */
  build?: (context: ServiceContext<C> & { dependencies: Dependency[] }) => ServiceParts;
}

export interface ServiceParts {
  /** Mounts the service's routes (after /health, /ready, /metrics; before the error handler). */
  routes?: (app: Express) => void;
  workers?: Worker[];
}

/** Wires a service: logger, dependencies, the app, the server and its shutdown. */
export async function startService<C extends BaseConfig>(
  options: StartServiceOptions<C>,
): Promise<RunningService> {
  const { name, config, telemetry } = options;
  const logger = createLogger({ service: name, level: config.LOG_LEVEL });
  const context = { config, logger, telemetry };
  const dependencies = options.dependencies(context);
  const parts = options.build?.({ ...context, dependencies }) ?? {};

  let shuttingDown = false;
  const app = createApp({
    config,
    telemetry,
    logger,
    dependencies: new DependencyChecker(dependencies),
    routes: parts.routes,
    isShuttingDown: () => shuttingDown,
  });
  return runService({
    name,
    port: config.PORT,
    app,
    logger,
    telemetry,
    dependencies,
    workers: parts.workers ?? [],
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onShutdownStart: () => {
      shuttingDown = true;
    },
  });
}
