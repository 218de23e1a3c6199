import type { Meter } from '@opentelemetry/api';
import { families, type Families, type FamilyName } from './families';
import type { InstrumentFor, MetricFamily } from './types';

/** The families recorded through the SDK: all but the HTTP ones, which HttpAggregate produces. */
export type InstrumentedName = {
  [N in FamilyName]: Families[N]['group'] extends 'http' ? never : N;
}[FamilyName];

export type Instruments = { readonly [N in InstrumentedName]: InstrumentFor<Families[N]> };

/**
 * The only place instruments are made: one per catalog family, all on one meter, so each
 * family is declared once in the exposition. A family nobody records never shows up in it.
 */
export function createInstruments(meter: Meter): Instruments {
  const instruments: Record<string, unknown> = {};
  for (const [name, family] of Object.entries(families) as [FamilyName, MetricFamily][]) {
    if (family.group === 'http') continue;
    instruments[name] = createInstrument(meter, name, family);
  }
  return Object.freeze(instruments) as Instruments;
}

function createInstrument(meter: Meter, name: string, family: MetricFamily) {
  const options = { description: family.help, unit: family.unit };
  switch (family.kind) {
    case 'counter':
      return meter.createCounter(name, options);
    case 'observableCounter':
      return meter.createObservableCounter(name, options);
    case 'histogram':
      return meter.createHistogram(name, {
        ...options,
        advice: { explicitBucketBoundaries: [...(family.buckets ?? [])] },
      });
    case 'upDownCounter':
      return meter.createUpDownCounter(name, options);
    case 'gauge':
      return meter.createGauge(name, options);
    case 'observableGauge':
      return meter.createObservableGauge(name, options);
  }
}
