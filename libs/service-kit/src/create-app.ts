import express, { type Express } from 'express';
import type { Telemetry } from '@support-center/telemetry';
import { measureHttp } from '@support-center/telemetry';
import type { BaseConfig } from './config';
import type { DependencyChecker } from './dependencies/dependency';
import { bodyTypes, type OtherBody } from './http/body-types';
import { errorHandler, notFound } from './http/error-handler';
import { corsPolicy, securityHeaders, writeRateLimit } from './http/hardening';
import { healthRoutes } from './http/health';
import { metricsEndpoint } from './http/metrics-endpoint';
import { requestContext } from './http/request-context';
import type { Logger } from './logger';

export interface CreateAppOptions {
  config: Pick<BaseConfig, 'METRICS_TOKEN' | 'JSON_BODY_LIMIT'> &
    Partial<Pick<BaseConfig, 'CORS_ORIGINS' | 'NODE_ENV' | 'WRITE_RATE_LIMIT' | 'TRUST_PROXY'>>;
  telemetry: Telemetry;
  logger: Logger;
  dependencies: DependencyChecker;
  /** Mounts the service's own routes. */
  routes?: (app: Express) => void;
  /** Routes whose bodies are not JSON (every other body must be JSON: 415 otherwise). */
  otherBodies?: readonly OtherBody[];
  /** Read by /ready, which fails once shutdown has begun so balancers stop sending traffic. */
  isShuttingDown?: () => boolean;
}

/**
 * The Express application every service runs: metrics, request ids and logs, JSON bodies (415 for others),
 * /health, /ready and /metrics, the service's routes, then the error contract.
 */
export function createApp(options: CreateAppOptions): Express {
  const { config, telemetry, logger, dependencies, routes, isShuttingDown = () => false } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY ?? false);

  if (telemetry.http) measureHttp({ aggregate: telemetry.http, app });
  app.use(requestContext(logger));
  app.use(securityHeaders());
  const cors = corsPolicy(config.CORS_ORIGINS ?? [], { allowLocalhost: config.NODE_ENV === 'development' });
  if (cors) app.use(cors);
  const limiter = writeRateLimit(config.WRITE_RATE_LIMIT ?? 0);
  if (limiter) app.use(limiter);
  app.use(bodyTypes(options.otherBodies));
  app.use(express.json({ limit: config.JSON_BODY_LIMIT }));

  app.use(healthRoutes(dependencies, isShuttingDown));
  if (telemetry.metricsHandler)
    app.get('/metrics', metricsEndpoint(telemetry.metricsHandler, config.METRICS_TOKEN));
  routes?.(app);

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
