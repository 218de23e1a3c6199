import type { Instruments } from '@support-center/telemetry';
import type { Logger } from './logger';
import type { Worker } from './worker';

export interface PeriodicTaskOptions {
  /** The worker's name, and the `task` label of `background_task_failures_total`. */
  name: string;
  intervalMs: number;
  /** One round of the work. May throw: the failure is logged, counted, and the next tick retries. */
  run: () => Promise<void>;
  logger: Logger;
  metrics: Pick<Instruments, 'background_task_failures_total'>;
  /** Also runs once as soon as it starts, not only after the first interval (default false). */
  runOnStart?: boolean;
}

export interface PeriodicTask extends Worker {
  /**
   * Runs now, or joins the run in progress; never rejects (a failure is handled as on a tick).
   * Works whether or not the task was started.
   */
  runOnce(): Promise<void>;
}

/**
 * Background work done every `intervalMs` (a sweep, a reload), as a kit `Worker`. Runs never
 * overlap: a tick that comes while one is still under way is skipped. A failing run never ends
 * the process: it is counted in `background_task_failures_total{task}`, logged at warn once per
 * streak of failures (then at debug, so a dependency down for minutes does not flood the log),
 * at info when the task succeeds again, and the next tick retries. The timer is unref'd; stop()
 * clears it and waits for a run in progress.
 */
export function periodicTask(options: PeriodicTaskOptions): PeriodicTask {
  const { name, intervalMs, run, logger, metrics, runOnStart = false } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  /** Failures in a row, 0 while the task succeeds. */
  let failing = 0;
  // The series exists from the start, so a rate or an increase sees the first failure.
  metrics.background_task_failures_total.add(0, { task: name });

  const once = async (): Promise<void> => {
    try {
      await run();
      if (failing > 0) logger.info({ task: name, failures: failing }, `${name} recovered`);
      failing = 0;
    } catch (error) {
      failing += 1;
      metrics.background_task_failures_total.add(1, { task: name });
      const fields = { task: name, err: error, failures: failing, retryInMs: intervalMs };
      if (failing === 1) logger.warn(fields, `${name} failed; the next tick retries`);
      else logger.debug(fields, `${name} failed again; the next tick retries`);
    }
  };
  const runOnce = (): Promise<void> => (running ??= once().finally(() => (running = undefined)));

  return {
    name,
    runOnce,
    async start() {
      clearInterval(timer);
      timer = setInterval(() => void runOnce(), intervalMs);
      timer.unref();
      if (runOnStart) void runOnce();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
