/**
 * Test helpers for suites that run against the real engines started by the jest
 * global setup (or the ones KAFKA_BROKERS / MONGO_URL / S3_ENDPOINT point at).
 */
export { ENGINE_ENV, engineEnv, kafkaBrokers, mongoUrlFor, s3Endpoint, type HarnessEngine } from './env';
export { HarnessError, MissingEngineEnvError, WaitForTimeoutError } from './errors';
export { testNamespace, type TestNamespace } from './namespace';
export { freePort, getFreePort } from './free-port';
export { waitFor, type WaitForOptions } from './wait-for';
export { parseExposition, sampleValue, type ExpositionFamily, type Sample } from './exposition';
export { promtoolCheckMetrics } from './promtool';
export {
  startServiceProcess,
  type ServiceName,
  type ServiceProcess,
  type StartOptions,
} from './service-process';
export { describeServiceBasics, serviceEnv, type ServiceSuiteOptions } from './service-suite';
export { startTestIssuer, type TestIssuer, type TestUser } from './test-issuer';
export {
  benchArgs,
  benchEngines,
  comparePaired,
  formatComparison,
  median,
  percentile,
  percentileInterval,
  type BenchEngines,
  type PairedComparison,
  type PercentileEstimate,
} from './bench';
export { benchProcessPart, cpuOfProcessTree, type ProcessTreeCpu } from './process-cpu';
export { keepTraceContext } from './trace-context';
