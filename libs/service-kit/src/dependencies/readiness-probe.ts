import type { Instruments } from '@support-center/telemetry';
import type { Worker } from '../worker';
import type { DependencyChecker, DependencyState } from './dependency';

const PROBE_INTERVAL_MS = 5000;

/**
 * Checks the dependencies in the background and reports them as service_dependency_up, so
 * Prometheus sees readiness without anyone calling /ready, and a scrape never waits on a check.
 */
export function readinessProbe(
  checker: DependencyChecker,
  metrics: Instruments,
  intervalMs = PROBE_INTERVAL_MS,
): Worker {
  let states: DependencyState[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  const probe = () =>
    (inFlight ??= checker
      .checkAll()
      .then((checked) => void (states = checked))
      .finally(() => (inFlight = undefined)));
  const observe = (result: {
    observe(value: number, labels: { dependency: string; required: string }): void;
  }) => {
    for (const state of states) {
      result.observe(state.status === 'up' ? 1 : 0, {
        dependency: state.name,
        required: String(state.required),
      });
    }
  };

  return {
    name: 'readiness probe',
    async start() {
      metrics.service_dependency_up.addCallback(observe);
      await probe();
      timer = setInterval(() => void probe(), intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      // The clients close right after the workers stop: no check may still be using them.
      await inFlight;
      metrics.service_dependency_up.removeCallback(observe);
    },
  };
}
