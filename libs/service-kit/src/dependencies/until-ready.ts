import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger';
import type { DependencyChecker } from './dependency';

const CHECK_EVERY_MS = 250;
const REPORT_EVERY_MS = 10_000;

/**
 * Resolves true once every required dependency is up, or false when `signal` aborts first (a
 * SIGTERM during start-up). Says now and then what it still waits for, so a replica that never
 * opens its port tells its log why.
 */
export async function untilReady(
  checker: DependencyChecker,
  logger: Logger,
  signal: AbortSignal,
): Promise<boolean> {
  const startedAt = Date.now();
  let reportedAt = startedAt;
  while (!signal.aborted) {
    const down = (await checker.checkAll()).filter((d) => d.required && d.status === 'down');
    if (down.length === 0) return true;
    if (Date.now() - reportedAt >= REPORT_EVERY_MS) {
      reportedAt = Date.now();
      logger.info(
        { waitingFor: down.map(({ name, error }) => ({ name, error })), waitedMs: reportedAt - startedAt },
        'not listening until ready',
      );
    }
    await sleep(CHECK_EVERY_MS, undefined, { signal }).catch(() => undefined);
  }
  return false;
}
