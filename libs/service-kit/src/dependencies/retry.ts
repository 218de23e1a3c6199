import type { Logger } from '../logger';

export interface KeepTryingOptions {
  what: string;
  logger: Logger;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Failures within this long of the first attempt are logged at debug: at start-up, engines and
   * services come up together and a few refused attempts are expected, not worth a warning.
   */
  quietForMs?: number;
  /** Called on every failed attempt (the kit counts a worker's in `background_task_failures_total`). */
  onFailure?: (error: unknown) => void;
}

/** Long enough for the local engines and the other services to come up beside this one. */
const QUIET_FOR_MS = 15_000;

/**
 * Runs `attempt` until it succeeds, backing off between failures, without ever failing the
 * caller: a service starts while its dependencies are down and picks them up when they appear.
 * Returns a function that stops further attempts.
 */
export function keepTrying(attempt: () => Promise<void>, options: KeepTryingOptions): () => void {
  const {
    what,
    logger,
    initialDelayMs = 250,
    maxDelayMs = 5000,
    quietForMs = QUIET_FOR_MS,
    onFailure,
  } = options;
  const startedAt = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let delay = initialDelayMs;
  let warned = false;

  const run = async () => {
    if (stopped) return;
    try {
      await attempt();
      if (warned) logger.info({ dependency: what }, `${what} is reachable`);
    } catch (error) {
      if (stopped) return;
      onFailure?.(error);
      // One warning once it has failed past the start-up allowance, then quieter: a dependency
      // down for minutes should not flood the log.
      const failingForMs = Date.now() - startedAt;
      const warn = !warned && failingForMs >= quietForMs;
      const reason = error instanceof Error ? error.message : String(error);
      if (warn) {
        warned = true;
        logger.warn(
          { dependency: what, reason, failingForMs, retryInMs: delay },
          `${what} is unreachable; retrying (if this lasts, check that what it needs runs and that its address in the configuration is right)`,
        );
      } else {
        logger.debug({ dependency: what, reason, retryInMs: delay }, `${what} is unreachable; retrying`);
      }
      timer = setTimeout(run, delay);
      delay = Math.min(delay * 2, maxDelayMs);
    }
  };
  void run();

  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
