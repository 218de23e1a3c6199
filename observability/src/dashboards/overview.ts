import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { board, graph, quantile, SELECTED, single, UP_MAPPINGS, variables } from './panels';

const HTTP = `http_requests_total{${SELECTED}}`;

/** Every service at a glance: up, traffic, errors and latency (the seed's golden signals). */
export function overview() {
  return board(
    'sc-overview',
    'Support Center / Overview',
    'Up, request rate, error ratio and p95 latency per service.',
  )
    .variables(variables())
    .withRow(new RowBuilder('Availability'))
    .withPanel(
      single({
        title: 'Up',
        description:
          'Whether every selected instance of the service answered its last scrape (BackendServiceDown fires after 2 minutes down).',
        unit: 'none',
        queries: [{ expr: `min by (job) (up{${SELECTED}})`, legend: '{{job}}' }],
        alert: undefined,
        mappings: UP_MAPPINGS,
        width: 12,
      }),
    )
    .withPanel(
      single({
        title: 'Instances up',
        description: 'Instances answering their scrape, per service.',
        unit: 'none',
        queries: [{ expr: `sum by (job) (up{${SELECTED}})`, legend: '{{job}}' }],
        width: 12,
      }),
    )
    .withRow(new RowBuilder('Traffic and errors'))
    .withPanel(
      graph({
        title: 'Request rate',
        description: 'HTTP requests answered per second, per service.',
        unit: 'reqps',
        queries: [{ expr: `sum by (job) (rate(${HTTP}[$__rate_interval]))`, legend: '{{job}}' }],
      }),
    )
    .withPanel(
      graph({
        title: 'Error ratio (5xx)',
        description:
          'Share of HTTP requests answered with a 5xx, per service (probes and scrapes, /health, /ready and /metrics, are not counted). HighErrorRate fires above 5% for 5 minutes.',
        unit: 'percentunit',
        alert: 'HighErrorRate',
        min: 0,
        queries: [
          {
            // `or 0 * …` shows 0% for a service with traffic and no 5xx instead of no data.
            expr:
              `(sum by (job) (rate(http_requests_total{${SELECTED}, status="5xx"}[$__rate_interval]))` +
              ` or 0 * sum by (job) (rate(${HTTP}[$__rate_interval])))` +
              ` / sum by (job) (rate(${HTTP}[$__rate_interval]))`,
            legend: '{{job}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Requests by status',
        description: 'HTTP requests per second by status class, per service.',
        unit: 'reqps',
        queries: [
          { expr: `sum by (job, status) (rate(${HTTP}[$__rate_interval]))`, legend: '{{job}} {{status}}' },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Requests in progress',
        description: 'HTTP requests being served right now, per service.',
        unit: 'none',
        queries: [{ expr: `sum by (job) (http_requests_inprogress{${SELECTED}})`, legend: '{{job}}' }],
      }),
    )
    .withRow(new RowBuilder('Latency'))
    .withPanel(
      graph({
        title: 'p95 latency per service',
        description:
          '95th percentile of HTTP request duration. HighLatencyWarning fires above 1 s for 10 minutes, VeryHighLatencyCritical above 5 s for 5 minutes.',
        unit: 's',
        alert: 'VeryHighLatencyCritical',
        warnAlert: 'HighLatencyWarning',
        queries: [
          { expr: quantile(0.95, 'http_request_duration_seconds', SELECTED, 'job'), legend: '{{job}}' },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'p95 latency by handler',
        description:
          '95th percentile of HTTP request duration per route template; "unmatched" gathers unknown paths.',
        unit: 's',
        alert: 'VeryHighLatencyCritical',
        warnAlert: 'HighLatencyWarning',
        queries: [
          {
            expr: quantile(0.95, 'http_request_duration_seconds', SELECTED, 'job, handler'),
            legend: '{{job}} {{handler}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Request rate by handler',
        description: 'HTTP requests per second per route template and method.',
        unit: 'reqps',
        width: 24,
        queries: [
          {
            expr: `sum by (job, handler, method) (rate(${HTTP}[$__rate_interval]))`,
            legend: '{{job}} {{method}} {{handler}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Response size p95 by handler',
        description: '95th percentile of HTTP response body size per route template.',
        unit: 'bytes',
        queries: [
          {
            expr: quantile(0.95, 'http_response_size_bytes', SELECTED, 'job, handler'),
            legend: '{{job}} {{handler}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Request size p95 by handler',
        description: '95th percentile of HTTP request body size per route template (from Content-Length).',
        unit: 'bytes',
        queries: [
          {
            expr: quantile(0.95, 'http_request_size_bytes', SELECTED, 'job, handler'),
            legend: '{{job}} {{handler}}',
          },
        ],
      }),
    );
}
