import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import type { PrometheusTextSerializer } from './prometheus-serializer';

/**
 * Serves a scrape as PrometheusExporter's own handler does (status, content type, the same
 * answer when collection fails), with the reader's collected metrics written by `serializer`.
 */
export function scrapeHandler(
  reader: MetricReader,
  serializer: PrometheusTextSerializer,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    res.statusCode = 200;
    res.setHeader('content-type', 'text/plain');
    reader.collect().then(
      ({ resourceMetrics, errors }) => {
        if (errors.length) diag.error('PrometheusExporter: metrics collection errors', ...errors);
        res.end(serializer.serialize(resourceMetrics));
      },
      (err: unknown) => res.end(`# failed to export metrics: ${String(err)}`),
    );
  };
}
