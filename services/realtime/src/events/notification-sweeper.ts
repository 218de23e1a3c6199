import type { Logger, Worker } from '@support-center/service-kit';
import type { NotificationStore } from '../store/notifications';

/**
 * Deletes notifications past the retention every `intervalMs` (no TTL index in the MongoDB
 * subset). A failing sweep is logged and tried again at the next tick.
 */
export function notificationSweeper(
  notifications: Pick<NotificationStore, 'purge'>,
  intervalMs: number,
  logger: Logger,
): Worker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const sweepOnce = (): Promise<void> =>
    (running ??= notifications
      .purge()
      .then((deleted) => {
        if (deleted > 0) logger.info({ deleted }, 'old notifications deleted');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'notification sweep failed; next tick retries'))
      .finally(() => (running = undefined)));
  return {
    name: 'notification sweeper',
    async start() {
      timer = setInterval(() => void sweepOnce(), intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
