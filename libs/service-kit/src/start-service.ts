import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Telemetry } from '@support-center/telemetry';
import type { BaseConfig } from './config';
import { createApp } from './create-app';
import type { OtherBody } from './http/body-types';
import { DependencyChecker, type Dependency } from './dependencies/dependency';
import { readinessProbe } from './dependencies/readiness-probe';
import { untilReady } from './dependencies/until-ready';
import { createLogger, type Logger } from './logger';
import { runService, type RunningService } from './run-service';
import type { Worker } from './worker';

export interface ServiceContext<C extends BaseConfig> {
  /** The service's name: its logs' `service`, its Kafka client id. */
  name: string;
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
  /** Routes whose bodies are not JSON (a multipart upload); every other body must be JSON. */
  otherBodies?: readonly OtherBody[];
  workers?: readonly Worker[];
  /**
   * Takes over connections beyond Express (WebSocket upgrades): attached once the server listens,
   * closed first at shutdown (before HTTP requests drain), so long-lived sockets end cleanly.
   */
  sockets?: SocketHandler;
}

export interface SocketHandler {
  attach(server: Server): void;
  close(): Promise<void>;
}

/** Wires a service: logger, dependencies, the app, the server and its shutdown. */
export async function startService<C extends BaseConfig>(
  options: StartServiceOptions<C>,
): Promise<RunningService> {
  const { name, config, telemetry } = options;
  const logger = createLogger({ service: name, level: config.LOG_LEVEL });
  const context = { name, config, logger, telemetry };
  const dependencies = options.dependencies(context);
  const parts = options.build?.({ ...context, dependencies }) ?? {};
  return launch(context, dependencies, parts);
}

/** Serves what a service built on its dependencies: readiness, metrics, workers, shutdown. */
export function launch<C extends BaseConfig>(
  { name, config, telemetry, logger }: ServiceContext<C>,
  dependencies: Dependency[],
  parts: ServiceParts,
): Promise<RunningService> {
  let shuttingDown = false;
  const checker = new DependencyChecker(dependencies);
  const workers = [...(parts.workers ?? [])];
  if (telemetry.enabled && dependencies.length > 0) workers.push(readinessProbe(checker, telemetry.metrics));
  const app = createApp({
    config,
    telemetry,
    logger,
    dependencies: checker,
    routes: parts.routes,
    otherBodies: parts.otherBodies,
    isShuttingDown: () => shuttingDown,
  });
  return runService({
    name,
    port: config.PORT,
    app,
    logger,
    telemetry,
    dependencies,
    workers,
    sockets: parts.sockets,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    untilReady: config.LISTEN_WHEN_READY ? (signal) => untilReady(checker, logger, signal) : undefined,
    onShutdownStart: () => {
      shuttingDown = true;
    },
  });
}
