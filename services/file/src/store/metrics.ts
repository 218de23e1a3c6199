import type { Instruments } from '@support-center/telemetry';
import { loggedMetricGuard, type Logger } from '@support-center/service-kit';

/** The closed set of `operation` values of the minio_* families. */
export const OBJECT_OPERATIONS = ['upload', 'download', 'delete', 'create_bucket'] as const;
export type ObjectOperation = (typeof OBJECT_OPERATIONS)[number];

/**
 * The closed set of `status` values of `minio_operations_total`: `aborted` is an upload this
 * service stopped on purpose (too large, client gone) or a download the client left.
 */
export const OBJECT_STATUSES = ['success', 'error', 'aborted'] as const;
export type ObjectStatus = (typeof OBJECT_STATUSES)[number];

export type ObjectStoreMetrics = Pick<
  Instruments,
  'minio_operations_total' | 'minio_operation_duration_seconds'
>;

/** Times one object store operation; `done` records it once (later calls are ignored). */
export function measureOperation(
  metrics: ObjectStoreMetrics,
  operation: ObjectOperation,
  logger?: Logger,
): (status: ObjectStatus) => void {
  const started = performance.now();
  const safely = loggedMetricGuard(logger, 'object store');
  let recorded = false;
  return (status) => {
    if (recorded) return;
    recorded = true;
    safely(() => {
      metrics.minio_operations_total.add(1, { operation, status });
      metrics.minio_operation_duration_seconds.record((performance.now() - started) / 1000, { operation });
    });
  };
}
