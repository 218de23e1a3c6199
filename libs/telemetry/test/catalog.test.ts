import { families, prometheusType, type MetricFamily } from '../src';

const entries = Object.entries(families) as [string, MetricFamily][];

/** The families docs/architecture.md names; the catalog may hold more, never fewer. */
const ARCHITECTURE_FAMILIES = [
  'http_requests_total',
  'http_request_duration_seconds',
  'http_request_size_bytes',
  'http_response_size_bytes',
  'http_requests_inprogress',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_virtual_memory_bytes',
  'process_open_fds',
  'process_max_fds',
  'process_start_time_seconds',
  'nodejs_eventloop_lag_seconds',
  'nodejs_heap_size_used_bytes',
  'events_published_total',
  'event_publish_duration_seconds',
  'events_consumed_total',
  'event_processing_duration_seconds',
  'kafka_consumer_lag',
  'events_dead_lettered_total',
  'outbox_pending_events',
  'outbox_oldest_pending_age_seconds',
  'db_pool_size',
  'db_pool_checked_out',
  'db_pool_overflow',
  'db_pool_checkouts_total',
  'db_query_duration_seconds',
  'db_queries_total',
  'cache_operations_total',
  'cache_operation_duration_seconds',
  'cache_hit_ratio',
  'cache_size_bytes',
  'cache_keys',
  'ticket_created_total',
  'ticket_assigned_total',
  'ticket_status_changed_total',
  'ticket_solved_total',
  'ticket_resolution_time_seconds',
  'tickets_open_by_status',
  'tickets_open_by_priority',
  'auth_attempts_total',
  'auth_duration_seconds',
  'active_user_sessions',
  'session_duration_seconds',
  'file_uploads_total',
  'file_upload_duration_seconds',
  'file_upload_size_bytes',
  'minio_operations_total',
  'minio_operation_duration_seconds',
  'websocket_active_connections',
  'websocket_connections_total',
  'websocket_messages_sent_total',
  'websocket_messages_received_total',
  'websocket_errors_total',
  'websocket_initial_load_duration_seconds',
  'websocket_heartbeat_rtt_seconds',
  'websocket_sequence_gaps_detected_total',
];

describe('metric catalog', () => {
  it('declares every family of docs/architecture.md', () => {
    expect(ARCHITECTURE_FAMILIES.filter((name) => !(name in families))).toEqual([]);
  });

  it.each(entries)('%s follows the Prometheus naming rules', (name, family) => {
    expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    const isCounter = prometheusType[family.kind] === 'counter';
    expect(name.endsWith('_total')).toBe(isCounter);
    if (family.unit) expect(name).toMatch(new RegExp(`_${family.unit}(_total)?$`));
    expect(name).not.toMatch(/_(ms|milliseconds|kb|mb)(_|$)/);
    for (const label of family.labels) {
      expect(label).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(['le', 'quantile', 'job', 'instance', 'service']).not.toContain(label);
    }
    expect(family.help.length).toBeGreaterThan(10);
  });

  it.each(entries.filter(([, f]) => f.kind === 'histogram'))(
    '%s has increasing bucket boundaries in its unit',
    (_name, family) => {
      const boundaries = family.buckets ?? [];
      expect(boundaries.length).toBeGreaterThanOrEqual(5);
      boundaries.forEach((b, i) => i > 0 && expect(b).toBeGreaterThan(boundaries[i - 1] ?? 0));
    },
  );

  it('gives buckets to histograms only', () => {
    const misplaced = entries.filter(([, f]) => f.kind !== 'histogram' && f.buckets !== undefined);
    expect(misplaced.map(([name]) => name)).toEqual([]);
  });
});
