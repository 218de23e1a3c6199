import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { board, graph, quantile, SELECTED, variables } from './panels';

const R = '$__rate_interval';

/** Hits over lookups in `window`; `or 0 * …` keeps a cache that only misses (it has no hit series). */
function hitRatio(window: string): string {
  const lookups = `sum by (job, cache) (rate(cache_operations_total{${SELECTED}, operation="get"}[${window}]))`;
  return (
    `(sum by (job, cache) (rate(cache_operations_total{${SELECTED}, operation="get", status="hit"}[${window}]))` +
    ` or 0 * ${lookups}) / ${lookups}`
  );
}

/** MongoDB pools and queries, caches, and the event pipeline (outbox → Kafka → consumers). */
export function data() {
  return board(
    'sc-data',
    'Support Center / Data',
    'MongoDB pool and queries, caches, Kafka publish, consume, lag, dead letters and outbox.',
  )
    .variables(variables())
    .withRow(new RowBuilder('MongoDB'))
    .withPanel(
      graph({
        title: 'Pool checked out',
        description:
          'Connections checked out over the pool maximum (MONGO_MAX_POOL_SIZE), per instance. DatabasePoolExhausted fires above 90% for 2 minutes.',
        unit: 'percentunit',
        alert: 'DatabasePoolExhausted',
        min: 0,
        max: 1,
        queries: [
          {
            expr: `db_pool_checked_out{${SELECTED}} / (db_pool_size{${SELECTED}} > 0)`,
            legend: '{{job}} {{instance}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Pool size and waiters',
        description:
          'The pool maximum (MONGO_MAX_POOL_SIZE), connections open now, operations waiting for one, and checkouts per second.',
        unit: 'none',
        queries: [
          { expr: `sum by (job) (db_pool_size{${SELECTED}})`, legend: 'max {{job}}' },
          { expr: `sum by (job) (db_pool_connections_open{${SELECTED}})`, legend: 'open {{job}}' },
          { expr: `sum by (job) (db_pool_overflow{${SELECTED}})`, legend: 'waiting {{job}}' },
          {
            expr: `sum by (job) (rate(db_pool_checkouts_total{${SELECTED}}[${R}]))`,
            legend: 'checkouts/s {{job}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Queries by command',
        description: 'MongoDB commands per second, by command and outcome.',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (job, query_type, status) (rate(db_queries_total{${SELECTED}}[${R}]))`,
            legend: '{{job}} {{query_type}} {{status}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Query p95 by collection',
        description: '95th percentile of MongoDB command duration, by command and collection.',
        unit: 's',
        queries: [
          {
            expr: quantile(0.95, 'db_query_duration_seconds', SELECTED, 'job, query_type, table'),
            legend: '{{job}} {{query_type}} {{table}}',
          },
        ],
      }),
    )
    .withRow(new RowBuilder('Caches'))
    .withPanel(
      graph({
        title: 'Cache hit ratio',
        description:
          'Hits over lookups in the last 15 minutes, from the operation counters, as LowCacheHitRatio reads them: it fires under 70% for 15 minutes. "since start" is the cache_hit_ratio gauge, kept for the seed\'s dashboards; it hides a recent collapse.',
        unit: 'percentunit',
        alert: 'LowCacheHitRatio',
        below: true,
        min: 0,
        max: 1,
        queries: [
          { expr: hitRatio('15m'), legend: '{{job}} {{cache}}' },
          {
            expr: `avg by (job, cache) (cache_hit_ratio{${SELECTED}})`,
            legend: 'since start {{job}} {{cache}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Cache operations',
        description: 'Cache operations per second, by operation and outcome.',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (job, cache, operation, status) (rate(cache_operations_total{${SELECTED}}[${R}]))`,
            legend: '{{job}} {{cache}} {{operation}} {{status}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Cache size',
        description: 'Estimated memory held by cached values, and keys held.',
        unit: 'bytes',
        queries: [
          { expr: `sum by (job, cache) (cache_size_bytes{${SELECTED}})`, legend: '{{job}} {{cache}}' },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Cache keys and p95',
        description: 'Keys held per cache (left), and the 95th percentile of cache operation duration.',
        unit: 'none',
        queries: [
          { expr: `sum by (job, cache) (cache_keys{${SELECTED}})`, legend: 'keys {{job}} {{cache}}' },
          {
            expr: quantile(0.95, 'cache_operation_duration_seconds', SELECTED, 'job, cache, operation'),
            legend: 'p95 s {{job}} {{cache}} {{operation}}',
          },
        ],
      }),
    )
    .withRow(new RowBuilder('Kafka'))
    .withPanel(
      graph({
        title: 'Events published',
        description: 'Events handed to Kafka by the outbox relay, per second, by topic and outcome.',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (job, topic, status) (rate(events_published_total{${SELECTED}}[${R}]))`,
            legend: '{{job}} {{topic}} {{status}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Publish p95',
        description: '95th percentile of the time Kafka takes to acknowledge a batch.',
        unit: 's',
        queries: [
          {
            expr: quantile(0.95, 'event_publish_duration_seconds', SELECTED, 'job, topic'),
            legend: '{{job}} {{topic}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Events consumed',
        description: 'Events consumed per second, by topic, consumer group and outcome.',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (job, topic, consumer_group, status) (rate(events_consumed_total{${SELECTED}}[${R}]))`,
            legend: '{{consumer_group}} {{topic}} {{status}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Processing p95',
        description: '95th percentile of the time a consumer spends applying one event, retries included.',
        unit: 's',
        queries: [
          {
            expr: quantile(0.95, 'event_processing_duration_seconds', SELECTED, 'job, topic, consumer_group'),
            legend: '{{consumer_group}} {{topic}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Consumer lag',
        description:
          'Messages behind the high watermark, per topic and consumer group. KafkaConsumerLagGrowing fires above 100 while it keeps growing for 10 minutes.',
        unit: 'none',
        alert: 'KafkaConsumerLagGrowing',
        queries: [
          {
            expr: `sum by (job, consumer_group, topic) (max by (job, consumer_group, topic, partition) (kafka_consumer_lag{${SELECTED}}))`,
            legend: '{{consumer_group}} {{topic}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Dead-lettered events',
        description: 'Events moved to <topic>.dlq per 10 minutes. EventsDeadLettered fires on any.',
        unit: 'none',
        queries: [
          {
            expr: `sum by (job, topic, consumer_group) (increase(events_dead_lettered_total{${SELECTED}}[10m]))`,
            legend: '{{consumer_group}} {{topic}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Outbox pending',
        description: 'Events written and not yet acknowledged by Kafka.',
        unit: 'none',
        queries: [{ expr: `max by (job) (outbox_pending_events{${SELECTED}})`, legend: '{{job}}' }],
      }),
    )
    .withPanel(
      graph({
        title: 'Outbox oldest pending age',
        description:
          'Age of the oldest event waiting in the outbox. OutboxBacklogAging fires above 60 s for 2 minutes.',
        unit: 's',
        alert: 'OutboxBacklogAging',
        queries: [
          { expr: `max by (job) (outbox_oldest_pending_age_seconds{${SELECTED}})`, legend: '{{job}}' },
        ],
      }),
    );
}
