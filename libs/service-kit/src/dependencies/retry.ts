import type { Logger } from '../logger';

export interface KeepTryingOptions {
  what: string;
  logger: Logger;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs `attempt` until it succeeds, backing off between failures, without ever failing the
 * caller: a service starts while its dependencies are down and picks them up when they appear.
 * Returns a function that stops further attempts.
 */
export function keepTrying(attempt: () => Promise<void>, options: KeepTryingOptions): () => void {
  const { what, logger, initialDelayMs = 250, maxDelayMs = 5000 } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let delay = initialDelayMs;
  let failures = 0;

  const run = async () => {
    if (stopped) return;
    try {
      await attempt();
      if (failures > 0) logger.info({ dependency: what }, `${what} is reachable`);
    } catch (error) {
      if (stopped) return;
      // First failure at warn, then quieter: a dependency down for minutes should not flood the log.
      const level = failures === 0 ? 'warn' : 'debug';
      const reason = error instanceof Error ? error.message : String(error);
      logger[level]({ dependency: what, reason, retryInMs: delay }, `${what} is unreachable; retrying`);
      failures += 1;
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
