import type {
  Counter,
  Gauge,
  Histogram,
  ObservableCounter,
  ObservableGauge,
  UpDownCounter,
} from '@opentelemetry/api';

/**
 * How a family is recorded. Prometheus sees counters (`counter`, `observableCounter`),
 * histograms, and gauges (everything else).
 */
export type InstrumentKind =
  'counter' | 'observableCounter' | 'histogram' | 'upDownCounter' | 'gauge' | 'observableGauge';

export type PrometheusType = 'counter' | 'histogram' | 'gauge';

/** Who records a family: every service, or the services that use a capability. */
export type FamilyGroup =
  | 'http'
  | 'health'
  | 'process'
  | 'runtime'
  | 'kafka'
  | 'mongodb'
  | 'cache'
  | 'ticket'
  | 'auth'
  | 'file'
  | 'realtime';

export type MetricUnit = 'seconds' | 'bytes' | '';

export interface MetricFamily {
  readonly group: FamilyGroup;
  readonly kind: InstrumentKind;
  readonly help: string;
  readonly unit: MetricUnit;
  readonly labels: readonly string[];
  /** Histogram boundaries, in `unit`. */
  readonly buckets?: readonly number[];
  /** Most series the family may hold before the SDK folds the rest into one overflow series. */
  readonly maxSeries?: number;
  /** The seed's name where ours differs; `null` where the seed had no such family. */
  readonly seedName?: string | null;
}

export const prometheusType: Record<InstrumentKind, PrometheusType> = {
  counter: 'counter',
  observableCounter: 'counter',
  histogram: 'histogram',
  upDownCounter: 'gauge',
  gauge: 'gauge',
  observableGauge: 'gauge',
};

type LabelsOf<F extends MetricFamily> = Record<F['labels'][number], string>;

interface InstrumentByKind<A extends Record<string, string>> {
  counter: Counter<A>;
  observableCounter: ObservableCounter<A>;
  histogram: Histogram<A>;
  upDownCounter: UpDownCounter<A>;
  gauge: Gauge<A>;
  observableGauge: ObservableGauge<A>;
}

/** The instrument a family is recorded with, its attributes typed by the family's label names. */
export type InstrumentFor<F extends MetricFamily> = InstrumentByKind<LabelsOf<F>>[F['kind']];
