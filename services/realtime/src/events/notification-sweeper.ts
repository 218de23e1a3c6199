import {
  periodicTask,
  type Logger,
  type PeriodicTaskOptions,
  type Worker,
} from '@support-center/service-kit';
import type { NotificationStore } from '../store/notifications';

/**
 * Deletes notifications past the retention every `intervalMs` (no TTL index in the MongoDB
 * subset). A failing sweep is logged, counted and tried again at the next tick.
 */
export function notificationSweeper(
  notifications: Pick<NotificationStore, 'purge'>,
  intervalMs: number,
  logger: Logger,
  metrics: PeriodicTaskOptions['metrics'],
): Worker {
  return periodicTask({
    name: 'notification sweeper',
    intervalMs,
    logger,
    metrics,
    run: async () => {
      const deleted = await notifications.purge();
      if (deleted > 0) logger.info({ deleted }, 'old notifications deleted');
    },
  });
}
