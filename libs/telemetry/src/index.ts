export { startTelemetry, METER_NAME, type Telemetry, type TelemetryOptions } from './start-telemetry';
export {
  booleanFlag,
  readTelemetrySettings,
  TelemetrySettingsError,
  TRACING_INSTRUMENTATIONS,
  type TelemetrySettings,
} from './settings';
export {
  families,
  prometheusType,
  buckets,
  type Instruments,
  type FamilyName,
  type MetricFamily,
} from './catalog';
export {
  measureHttp,
  UNMEASURED_ROUTES,
  type HttpMetricsOptions,
  type MeasuredApp,
} from './http/http-metrics';
export { HttpAggregate } from './http/http-aggregate';
export { PrometheusTextSerializer, type PrometheusTextOptions } from './prometheus/prometheus-serializer';
export { scrapeHandler } from './prometheus/scrape-handler';
export { UNMATCHED, type ListableRouter } from './http/route-table';
export { renderMetricsDoc } from './metrics-doc';
export { ConfigurationError, SupportCenterError, type SupportCenterErrorOptions } from './errors';
