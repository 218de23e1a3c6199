import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { board, graph, quantile, single, variables } from './panels';

const W = 'job=~"$service", instance=~"$instance"';

/** The realtime service: WebSocket connections, messages and errors. */
export function realtime() {
  return board(
    'sc-realtime',
    'Support Center / Realtime',
    'WebSocket connections, messages, errors, initial load and heartbeats.',
  )
    .variables(variables('realtime'))
    .withRow(new RowBuilder('Connections'))
    .withPanel(
      single({
        title: 'Open connections',
        description: 'Open WebSocket connections, all endpoints.',
        unit: 'none',
        queries: [{ expr: `sum(websocket_active_connections{${W}})` }],
        width: 12,
      }),
    )
    .withPanel(
      single({
        title: 'Errors per second',
        description: 'WebSocket errors per second. HighWebSocketErrors fires above 10/s for 5 minutes.',
        unit: 'ops',
        alert: 'HighWebSocketErrors',
        queries: [{ expr: `sum(rate(websocket_errors_total{${W}}[5m]))` }],
        width: 12,
      }),
    )
    .withPanel(
      graph({
        title: 'Open connections by endpoint',
        description: 'Open WebSocket connections, by endpoint and client type.',
        unit: 'none',
        queries: [
          {
            expr: `sum by (endpoint, client_type) (websocket_active_connections{${W}})`,
            legend: '{{endpoint}} {{client_type}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Connection attempts',
        description: 'WebSocket connection attempts per second, by endpoint and outcome.',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (endpoint, status) (rate(websocket_connections_total{${W}}[$__rate_interval]))`,
            legend: '{{endpoint}} {{status}}',
          },
        ],
      }),
    )
    .withRow(new RowBuilder('Messages'))
    .withPanel(
      graph({
        title: 'Messages',
        description: 'Frames sent and received per second, by message type.',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (endpoint, message_type) (rate(websocket_messages_sent_total{${W}}[$__rate_interval]))`,
            legend: 'sent {{endpoint}} {{message_type}}',
          },
          {
            expr: `sum by (endpoint, message_type) (rate(websocket_messages_received_total{${W}}[$__rate_interval]))`,
            legend: 'received {{endpoint}} {{message_type}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Errors by reason',
        description:
          'WebSocket errors per second, by endpoint and reason. HighWebSocketErrors fires above 10/s (all reasons) for 5 minutes.',
        unit: 'ops',
        alert: 'HighWebSocketErrors',
        queries: [
          {
            expr: `sum by (endpoint, reason) (rate(websocket_errors_total{${W}}[$__rate_interval]))`,
            legend: '{{endpoint}} {{reason}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Initial load p95',
        description: '95th percentile of the time to send a room history to a client that joined it.',
        unit: 's',
        queries: [
          {
            expr: quantile(0.95, 'websocket_initial_load_duration_seconds', W, 'endpoint'),
            legend: '{{endpoint}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Heartbeat RTT p95',
        description: '95th percentile of server ping round trips.',
        unit: 's',
        queries: [
          { expr: quantile(0.95, 'websocket_heartbeat_rtt_seconds', W, 'endpoint'), legend: '{{endpoint}}' },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Sequence gaps',
        description: 'Resyncs whose client had missed messages, per minute, by gap size.',
        unit: 'none',
        width: 24,
        queries: [
          {
            expr: `sum by (endpoint, gap_size) (rate(websocket_sequence_gaps_detected_total{${W}}[$__rate_interval])) * 60`,
            legend: '{{endpoint}} {{gap_size}}',
          },
        ],
      }),
    );
}
