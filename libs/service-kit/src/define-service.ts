import type { Telemetry } from '@support-center/telemetry';
import type { BaseConfig } from './config';
import type { Dependency } from './dependencies/dependency';
import type { RunningService } from './run-service';
import { createLogger } from './logger';
import { launch, type ServiceContext, type ServiceParts } from './start-service';
import type { Worker } from './worker';

/**
 * Something a service declares that carries a dependency rather than being one: its `readiness`
 * is what /ready reports, its `worker` (a cache's reload) runs beside the service's workers.
 */
export interface CarriesDependency {
  readonly readiness: Dependency;
  readonly worker?: Worker;
}

/** One declared dependency: a client (MongoDB, Kafka, a bucket) or something that carries one. */
export type Declared = Dependency | CarriesDependency;

/** Names the start context already uses: a dependency may not take them. */
type ReservedName = keyof ServiceContext<BaseConfig>;

/** The dependencies of a service, by the name its `start` receives each under. */
export type DeclaredDependencies = Record<string, Declared> & { [K in ReservedName]?: never };

export interface ServiceDefinition<C extends BaseConfig, D extends DeclaredDependencies, E extends object> {
  name: string;
  /**
   * What the service needs, by name. Each connects in the background; /ready reports them in this
   * order and `service_dependency_up` measures them; they close after the workers stopped.
   */
  dependencies: (context: ServiceContext<C>) => D;
  /** Builds the service on its dependencies, each typed as declared: its routes and its workers. */
  start: (
    context: ServiceContext<C> & D,
  ) => (ServiceParts & { expose?: E }) | Promise<ServiceParts & { expose?: E }>;
}

export interface RunOptions<C extends BaseConfig> {
  config: C;
  telemetry: Telemetry;
}

export interface Service<C extends BaseConfig, E extends object> {
  readonly name: string;
  /** Starts it: listens on `config.PORT`, runs its workers, and shuts down on SIGTERM or `stop()`. */
  run(options: RunOptions<C>): Promise<RunningService & E>;
}

/**
 * A service as a declaration: its dependencies, then what it builds on them. `start` receives
 * each dependency under its declared name with its own type, so no service recovers one by
 * position or by a variable filled in elsewhere; readiness, the dependency metrics and the
 * shutdown order come from the declaration. What `start` puts in `expose` is returned with the
 * running service (a sweep a test triggers).
 *
 * @example
 * export const ticket = defineService({
 *   name: 'ticket',
 *   dependencies: (context) => ({ mongo: mongoDependency(context), kafka: kafkaDependency(context) }),
 *   start: ({ mongo, kafka, logger }) => ({ routes: …, workers: […] }),
 * });
 * await ticket.run({ config, telemetry });
 */
export function defineService<
  C extends BaseConfig,
  D extends DeclaredDependencies,
  E extends object = Record<never, never>,
>(definition: ServiceDefinition<C, D, E>): Service<C, E> {
  return {
    name: definition.name,
    async run({ config, telemetry }) {
      const { name } = definition;
      const logger = createLogger({ service: name, level: config.LOG_LEVEL });
      const context: ServiceContext<C> = { name, config, logger, telemetry };
      const dependencies = definition.dependencies(context);
      const { expose, ...parts } = await definition.start({ ...context, ...dependencies });
      const declared: Declared[] = Object.values(dependencies);
      const running = await launch(context, declared.map(readinessOf), {
        ...parts,
        workers: [...declared.flatMap(workerOf), ...(parts.workers ?? [])],
      });
      return Object.assign(running, expose) as RunningService & E;
    },
  };
}

function readinessOf(declared: Declared): Dependency {
  return 'readiness' in declared ? declared.readiness : declared;
}

function workerOf(declared: Declared): Worker[] {
  return 'readiness' in declared && declared.worker ? [declared.worker] : [];
}
