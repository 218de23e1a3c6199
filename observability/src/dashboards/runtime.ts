import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { board, graph, SELECTED, variables } from './panels';

const BY = '{{job}} {{instance}}';

/** Process and Node.js runtime health, one line per instance. */
export function runtime() {
  return board(
    'sc-runtime',
    'Support Center / Runtime',
    'CPU, memory, event loop, heap, GC and file descriptors per instance.',
  )
    .variables(variables())
    .withRow(new RowBuilder('Process'))
    .withPanel(
      graph({
        title: 'CPU',
        description: 'CPU time per second (1 = one core). HighCPUUsage fires above 80% for 10 minutes.',
        unit: 'percentunit',
        alert: 'HighCPUUsage',
        min: 0,
        queries: [{ expr: `rate(process_cpu_seconds_total{${SELECTED}}[$__rate_interval])`, legend: BY }],
      }),
    )
    .withPanel(
      graph({
        title: 'Resident memory',
        description: 'Resident set size of each process.',
        unit: 'bytes',
        queries: [{ expr: `process_resident_memory_bytes{${SELECTED}}`, legend: BY }],
      }),
    )
    .withPanel(
      graph({
        title: 'Memory growth',
        description:
          'Slope of resident memory over 10 minutes. MemoryLeakSuspected fires above 10 MiB/s for 30 minutes.',
        unit: 'Bps',
        alert: 'MemoryLeakSuspected',
        queries: [{ expr: `deriv(process_resident_memory_bytes{${SELECTED}}[10m])`, legend: BY }],
      }),
    )
    .withPanel(
      graph({
        title: 'File descriptors',
        description: 'Open file descriptors as a share of the limit.',
        unit: 'percentunit',
        min: 0,
        queries: [{ expr: `process_open_fds{${SELECTED}} / process_max_fds{${SELECTED}}`, legend: BY }],
      }),
    )
    .withPanel(
      graph({
        title: 'Uptime',
        description: 'Time since each process started; a drop is a restart.',
        unit: 's',
        queries: [{ expr: `time() - process_start_time_seconds{${SELECTED}}`, legend: BY }],
      }),
    )
    .withPanel(
      graph({
        title: 'Open file descriptors',
        description: 'Open file descriptors (sockets included).',
        unit: 'none',
        queries: [{ expr: `process_open_fds{${SELECTED}}`, legend: BY }],
      }),
    )
    .withRow(new RowBuilder('Node.js'))
    .withPanel(
      graph({
        title: 'Event loop lag',
        description: 'Event loop delay: p99 and mean of the recent samples.',
        unit: 's',
        queries: [
          { expr: `nodejs_eventloop_lag_p99_seconds{${SELECTED}}`, legend: `p99 ${BY}` },
          { expr: `nodejs_eventloop_lag_mean_seconds{${SELECTED}}`, legend: `mean ${BY}` },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Heap',
        description: 'V8 heap used and total.',
        unit: 'bytes',
        queries: [
          { expr: `nodejs_heap_size_used_bytes{${SELECTED}}`, legend: `used ${BY}` },
          { expr: `nodejs_heap_size_total_bytes{${SELECTED}}`, legend: `total ${BY}` },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Heap spaces used',
        description: 'V8 heap used per space.',
        unit: 'bytes',
        queries: [{ expr: `nodejs_heap_space_size_used_bytes{${SELECTED}}`, legend: `{{space}} ${BY}` }],
      }),
    )
    .withPanel(
      graph({
        title: 'External memory',
        description: 'Memory of C++ objects bound to JavaScript objects (buffers included).',
        unit: 'bytes',
        queries: [{ expr: `nodejs_external_memory_bytes{${SELECTED}}`, legend: BY }],
      }),
    )
    .withPanel(
      graph({
        title: 'GC time',
        description: 'Seconds per second spent in garbage collection, by kind.',
        unit: 'percentunit',
        queries: [
          {
            expr: `sum by (job, instance, kind) (rate(nodejs_gc_duration_seconds_sum{${SELECTED}}[$__rate_interval]))`,
            legend: `{{kind}} ${BY}`,
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Active resources',
        description: 'Resources keeping the event loop alive, by type (sockets, timers, …).',
        unit: 'none',
        queries: [{ expr: `nodejs_active_resources{${SELECTED}}`, legend: `{{type}} ${BY}` }],
      }),
    );
}
