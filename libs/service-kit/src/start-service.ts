import type { Express } from 'express';
import type { Telemetry } from '@support-center/telemetry';
import type { BaseConfig } from './config';
import { createApp } from './create-app';
import { DependencyChecker, type Dependency } from './dependencies/dependency';
import { createLogger, type Logger } from './logger';
import { runService, type RunningService } from './run-service';

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
  routes?: (app: Express, context: ServiceContext<C> & { dependencies: Dependency[] }) => void;
}

/** Wires a service: logger, dependencies, the app, the server and its shutdown. */
export async function startService<C extends BaseConfig>(
  options: StartServiceOptions<C>,
): Promise<RunningService> {
  const { name, config, telemetry } = options;
  const logger = createLogger({ service: name, level: config.LOG_LEVEL });
  const context = { config, logger, telemetry };
  const dependencies = options.dependencies(context);

  let shuttingDown = false;
  const app = createApp({
    config,
    telemetry,
    logger,
    dependencies: new DependencyChecker(dependencies),
    routes: options.routes && ((a) => options.routes?.(a, { ...context, dependencies })),
    isShuttingDown: () => shuttingDown,
  });
  return runService({
    name,
    port: config.PORT,
    app,
    logger,
    telemetry,
    dependencies,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onShutdownStart: () => {
      shuttingDown = true;
    },
  });
}
