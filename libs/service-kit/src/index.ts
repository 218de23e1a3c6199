export { createApp, type CreateAppOptions } from './create-app';
export type { OtherBody } from './http/body-types';
export { runService, type RunServiceOptions, type RunningService } from './run-service';
export { ShutdownTimeoutError } from './shutdown';
export { baseConfigSchema, loadConfig, positiveInt, ConfigError, type BaseConfig } from './config';
export { createLogger, type Logger } from './logger';
export * from './errors';
export { fieldProblems, parseInput, type InputSource } from './validation';
export { loggedMetricGuard, metricGuard, type MetricGuard } from './metric-guard';
export {
  DependencyChecker,
  DependencyNotReadyError,
  type Dependency,
  type DependencyState,
} from './dependencies/dependency';
export {
  mongoDependency,
  type MongoContext,
  type MongoDependency,
  type MongoDependencyOptions,
} from './dependencies/mongo';
export { CursorBeforeConnectionError } from './dependencies/cursors-before-connecting';
export {
  kafkaDependency,
  type KafkaContext,
  type KafkaDependency,
  type KafkaDependencyOptions,
} from './dependencies/kafka';
export { readyOnceStarted, type WorkersReadiness } from './dependencies/started-workers';
export { keepTrying } from './dependencies/retry';
export {
  startService,
  type ServiceContext,
  type ServiceParts,
  type SocketHandler,
  type StartServiceOptions,
} from './start-service';
export {
  defineService,
  type CarriesDependency,
  type Declared,
  type DeclaredDependencies,
  type RunOptions,
  type Service,
  type ServiceDefinition,
} from './define-service';
export type { Worker } from './worker';
export { periodicTask, type PeriodicTask, type PeriodicTaskOptions } from './periodic-task';
export { packageVersion } from './boot';
export * from './auth';
export * from './openapi/api-docs';
export * from './openapi/document';
export * from './openapi/conformance';
