import {
  loggedMetricGuard,
  periodicTask,
  ROLES,
  type Logger,
  type MetricGuard,
  type Worker,
} from '@support-center/service-kit';
import type { Instruments } from '@support-center/telemetry';
import type { AttemptStatus } from './domain/login';
import type { LoginMethod } from './domain/users';

/** The auth families of the catalog. Recording never fails a request: errors are logged. */
export class AuthMetrics {
  private readonly safely: MetricGuard;

  constructor(
    private readonly metrics: Instruments,
    logger: Logger,
  ) {
    this.safely = loggedMetricGuard(logger, 'auth');
  }

  attempt(method: LoginMethod, status: AttemptStatus, seconds: number): void {
    this.safely(() => {
      this.metrics.auth_attempts_total.add(1, { method, status });
      this.metrics.auth_duration_seconds.record(seconds, { method });
    });
  }

  sessionEnded(role: string, seconds: number): void {
    this.safely(() => this.metrics.session_duration_seconds.record(seconds, { role }));
  }
}

export interface ActiveSessionsOptions {
  metrics: Instruments;
  /** Live sessions by role, from the database. */
  count: () => Promise<Map<string, number>>;
  intervalMs: number;
  logger: Logger;
}

export interface ActiveSessionsGauge extends Worker {
  /** Counts again now (after this instance opened or ended a session). */
  refresh(): Promise<void>;
}

/**
 * `active_user_sessions{role}`: counted in the database every `intervalMs` and observed from the
 * cached count, so a scrape never waits on the database and every instance reports the same.
 * Nothing is observed until the first count succeeded.
 */
export function activeSessionsGauge(options: ActiveSessionsOptions): ActiveSessionsGauge {
  const { metrics, count, intervalMs, logger } = options;
  let counts: Map<string, number> | undefined;
  const counting = periodicTask({
    name: 'active sessions gauge',
    intervalMs,
    logger,
    metrics,
    runOnStart: true,
    run: async () => {
      counts = await count();
    },
  });

  const observe = (result: { observe(value: number, labels: { role: string }): void }) => {
    if (!counts) return;
    for (const role of ROLES) result.observe(counts.get(role) ?? 0, { role });
  };

  return {
    name: counting.name,
    refresh: counting.runOnce,
    async start() {
      metrics.active_user_sessions.addCallback(observe);
      await counting.start();
    },
    async stop() {
      await counting.stop();
      metrics.active_user_sessions.removeCallback(observe);
    },
  };
}
