import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import type { PrometheusTextSerializer } from './prometheus-serializer';

/**
 * Serves a scrape as PrometheusExporter's own handler does (status, content type, the same
 * answer when collection fails, also given when serialization fails), with the reader's collected
 * metrics written by `serializer`.
 */
export function scrapeHandler(
  reader: MetricReader,
  serializer: PrometheusTextSerializer,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    res.statusCode = 200;
    res.setHeader('content-type', 'text/plain');
    const failed = (err: unknown) => res.end(`# failed to export metrics: ${String(err)}`);
    reader.collect().then(({ resourceMetrics, errors }) => {
      if (errors.length) diag.error('PrometheusExporter: metrics collection errors', ...errors);
      let body: Buffer;
      try {
        body = serializer.serialize(resourceMetrics);
      } catch (err) {
        // An attribute JSON cannot print (a symbol): the exporter's own handler would leave the
        // scrape hanging and the rejection unhandled, which ends the process.
        diag.error('metrics serialization failed', err);
        failed(err);
        return;
      }
      res.end(body);
    }, failed);
  };
}
