import { randomUUID } from 'node:crypto';
import { metrics as metricsApi, createNoopMeter, type ContextManager, type Meter } from '@opentelemetry/api';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createInstruments, families, type Instruments } from './catalog';
import { HttpAggregate } from './http/http-aggregate';
import { observeNodeRuntime } from './runtime/node-metrics';
import { observeProcess } from './runtime/process-metrics';
import { PrometheusTextSerializer } from './prometheus/prometheus-serializer';
import { scrapeHandler } from './prometheus/scrape-handler';
import { enabledInstrumentations, readTelemetrySettings, tracesExported } from './settings';

/** The meter every catalog instrument lives on. */
export const METER_NAME = '@support-center/telemetry';

/** sdk-node registers no context manager for null (its `setupContextManager`); its type omits null. */
const NO_CONTEXT_MANAGER = null as unknown as ContextManager;

/** The SDK's own default; every family sets its limit on purpose, or gets this one. */
const DEFAULT_MAX_SERIES = 2000;

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  readonly enabled: boolean;
  /** Every catalog instrument but the HTTP ones; no-ops when telemetry is off. */
  readonly metrics: Instruments;
  /** Where `measureHttp` aggregates the http_* families; absent when telemetry is off. */
  readonly http?: HttpAggregate;
  /** Serves the Prometheus text exposition; absent when telemetry is off. */
  readonly metricsHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK for one service. Call it before express, http and the Kafka
 * client are loaded, so the instrumentations can patch them.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const settings = readTelemetrySettings(options.env);
  if (!settings.ENABLE_METRICS) return disabledTelemetry();

  const traced = tracesExported(settings);
  const instrumentations = loadInstrumentations(enabledInstrumentations(settings));
  const resource = resourceFromAttributes({
    'service.name': options.serviceName,
    'service.version': options.serviceVersion,
    'service.instance.id': randomUUID(),
  });
  // The exporter keeps the SDK's resource (and target_info) when it merges a producer's metrics.
  const http = new HttpAggregate(METER_NAME, () => resource);
  // The exporter stays the SDK's reader; its text is written by our serializer, which gives the
  // same bytes in well under half the time (docs/benchmarks.md, Performance).
  const exporterOptions = { withoutScopeInfo: true };
  const exporter = new PrometheusExporter({
    ...exporterOptions,
    preventServerStart: true,
    metricProducers: [http],
  });
  const serializer = new PrometheusTextSerializer(exporterOptions);
  const sdk = new NodeSDK({
    resource,
    resourceDetectors: [envDetector],
    metricReaders: [exporter],
    views: [
      ...catalogViews(),
      // The instrumentations' own metrics would duplicate catalog families under semconv names.
      ...instrumentations.map((i) => dropMeter(i.instrumentationName)),
    ],
    instrumentations,
    // Spans and log records are exported only when asked for, so nothing tries to reach a collector.
    // Without spans no trace context is kept either: once a context manager has run, Node 20's
    // AsyncLocalStorage hooks every promise, about 11 µs of CPU on a cheap request.
    ...(traced ? {} : { spanProcessors: [], contextManager: NO_CONTEXT_MANAGER, textMapPropagator: null }),
    ...(settings.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
  });
  sdk.start();

  const metrics = createInstruments(metricsApi.getMeter(METER_NAME));
  observeProcess(metrics);
  const stopRuntime = observeNodeRuntime(metrics);

  return {
    enabled: true,
    metrics,
    http,
    metricsHandler: scrapeHandler(exporter, serializer),
    async shutdown() {
      stopRuntime();
      await sdk.shutdown();
    },
  };
}

function loadInstrumentations(names: string) {
  if (names.trim() === '') return [];
  // auto-instrumentations-node reads its selection from this variable only.
  process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = names;
  return getNodeAutoInstrumentations();
}

function disabledTelemetry(): Telemetry {
  const meter: Meter = createNoopMeter();
  return { enabled: false, metrics: createInstruments(meter), shutdown: async () => {} };
}

function catalogViews(): ViewOptions[] {
  return Object.entries(families)
    .filter(([, family]) => family.group !== 'http')
    .map(([name, family]) => ({
      instrumentName: name,
      meterName: METER_NAME,
      aggregationCardinalityLimit: 'maxSeries' in family ? family.maxSeries : DEFAULT_MAX_SERIES,
    }));
}

function dropMeter(meterName: string): ViewOptions {
  return { meterName, instrumentName: '*', aggregation: { type: AggregationType.DROP } };
}
