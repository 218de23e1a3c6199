import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Instruments } from '../catalog';

const NS_PER_SECOND = 1e9;

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** Stops what observeNodeRuntime started (the delay monitor and the GC observer). */
export type StopRuntimeMetrics = () => void;

/** The nodejs_* families under prom-client's names, help texts and units. */
export function observeNodeRuntime(metrics: Instruments): StopRuntimeMetrics {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();

  metrics.nodejs_eventloop_lag_seconds.addCallback(
    (result) =>
      new Promise<void>((resolve) => {
        // prom-client's definition: how late a callback queued now actually runs.
        const queuedAt = process.hrtime.bigint();
        setImmediate(() => {
          result.observe(Number(process.hrtime.bigint() - queuedAt) / NS_PER_SECOND);
          resolve();
        });
      }),
  );
  // Before the monitor's first sample its statistics are NaN; report 0 so the series always exist.
  const lag = (read: () => number) => (result: { observe(value: number): void }) => {
    const value = delay.count === 0 ? 0 : read();
    result.observe(Number.isFinite(value) ? value / NS_PER_SECOND : 0);
  };
  metrics.nodejs_eventloop_lag_min_seconds.addCallback(lag(() => delay.min));
  metrics.nodejs_eventloop_lag_max_seconds.addCallback(lag(() => delay.max));
  metrics.nodejs_eventloop_lag_mean_seconds.addCallback(lag(() => delay.mean));
  metrics.nodejs_eventloop_lag_stddev_seconds.addCallback(lag(() => delay.stddev));
  metrics.nodejs_eventloop_lag_p50_seconds.addCallback(lag(() => delay.percentile(50)));
  metrics.nodejs_eventloop_lag_p90_seconds.addCallback(lag(() => delay.percentile(90)));
  metrics.nodejs_eventloop_lag_p99_seconds.addCallback(lag(() => delay.percentile(99)));

  metrics.nodejs_active_resources.addCallback((result) => {
    const counts = new Map<string, number>();
    for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
    for (const [type, count] of counts) result.observe(count, { type });
  });

  metrics.nodejs_heap_size_total_bytes.addCallback((result) =>
    result.observe(process.memoryUsage().heapTotal),
  );
  metrics.nodejs_heap_size_used_bytes.addCallback((result) => result.observe(process.memoryUsage().heapUsed));
  metrics.nodejs_external_memory_bytes.addCallback((result) =>
    result.observe(process.memoryUsage().external),
  );

  metrics.nodejs_heap_space_size_total_bytes.addCallback((result) => {
    for (const s of getHeapSpaceStatistics())
      result.observe(s.space_size, { space: spaceName(s.space_name) });
  });
  metrics.nodejs_heap_space_size_used_bytes.addCallback((result) => {
    for (const s of getHeapSpaceStatistics())
      result.observe(s.space_used_size, { space: spaceName(s.space_name) });
  });
  metrics.nodejs_heap_space_size_available_bytes.addCallback((result) => {
    for (const s of getHeapSpaceStatistics()) {
      result.observe(s.space_available_size, { space: spaceName(s.space_name) });
    }
  });

  const [major = '', minor = '', patch = ''] = process.versions.node.split('.');
  const versionLabels = { version: process.version, major, minor, patch };
  metrics.nodejs_version_info.addCallback((result) => result.observe(1, versionLabels));

  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = (entry as { detail?: { kind?: number } }).detail;
      const kind = GC_KINDS[detail?.kind ?? -1] ?? 'unknown';
      metrics.nodejs_gc_duration_seconds.record(entry.duration / 1000, { kind });
    }
  });
  gc.observe({ entryTypes: ['gc'] });

  return () => {
    delay.disable();
    gc.disconnect();
  };
}

/** prom-client strips V8's `_space` suffix: `new_space` is reported as `new`. */
function spaceName(v8Name: string): string {
  return v8Name.replace(/_space$/, '');
}
