export { families, type Families, type FamilyName } from './families';
export { createInstruments, type Instruments } from './instruments';
export { prometheusType, type FamilyGroup, type MetricFamily, type InstrumentKind } from './types';
export * as buckets from './buckets';
