import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { board, graph, quantile, variables } from './panels';

const F = 'job=~"$service", instance=~"$instance"';

/** The file service's business families: uploads and the object store. */
export function files() {
  return board(
    'sc-files',
    'Support Center / Files',
    'Uploads by type and size, upload duration, object store operations.',
  )
    .variables(variables('file'))
    .withRow(new RowBuilder('Uploads'))
    .withPanel(
      graph({
        title: 'Uploads',
        description: 'Files stored per minute, by type and size bucket.',
        unit: 'none',
        queries: [
          {
            expr: `sum by (file_type, size_bucket) (rate(file_uploads_total{${F}}[$__rate_interval])) * 60`,
            legend: '{{file_type}} {{size_bucket}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Upload duration p95',
        description: '95th percentile of the time to receive, check and store an upload, by type.',
        unit: 's',
        queries: [
          { expr: quantile(0.95, 'file_upload_duration_seconds', F, 'file_type'), legend: '{{file_type}}' },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Upload size p95',
        description: '95th percentile of stored upload size, by type.',
        unit: 'bytes',
        queries: [
          { expr: quantile(0.95, 'file_upload_size_bytes', F, 'file_type'), legend: '{{file_type}}' },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Bytes stored',
        description: 'Bytes of uploads stored per second.',
        unit: 'Bps',
        queries: [
          { expr: `sum (rate(file_upload_size_bytes_sum{${F}}[$__rate_interval]))`, legend: 'stored' },
        ],
      }),
    )
    .withRow(new RowBuilder('Object store'))
    .withPanel(
      graph({
        title: 'Object store operations',
        description: 'S3/MinIO operations per second, by operation and outcome.',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (operation, status) (rate(minio_operations_total{${F}}[$__rate_interval]))`,
            legend: '{{operation}} {{status}}',
          },
        ],
      }),
    )
    .withPanel(
      graph({
        title: 'Object store p95',
        description: '95th percentile of S3/MinIO operation duration, by operation.',
        unit: 's',
        queries: [
          {
            expr: quantile(0.95, 'minio_operation_duration_seconds', F, 'operation'),
            legend: '{{operation}}',
          },
        ],
      }),
    );
}
