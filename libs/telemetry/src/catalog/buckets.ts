/**
 * Histogram bucket boundaries, in the unit of the family that uses them (seconds or bytes).
 * The SDK's defaults are milliseconds-scale, so every histogram names one of these.
 */

/** Request latency; the same boundaries as the seed's instrumentator, so its PromQL keeps its meaning. */
export const HTTP_DURATION_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

export const MESSAGE_SIZE_BYTES = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

export const FILE_SIZE_BYTES = [
  10_000, 100_000, 1_000_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000, 100_000_000,
];

/** In-process and broker round trips: a millisecond is already slow for most of them. */
export const FAST_OPERATION_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

export const CACHE_OPERATION_SECONDS = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05];

/** Password hashing and directory binds are deliberately slow; lockout backoff can reach seconds. */
export const AUTH_DURATION_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const TRANSFER_DURATION_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export const WEBSOCKET_DURATION_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** From minutes to weeks: the spread of a help desk's resolution times. */
export const RESOLUTION_TIME_SECONDS = [
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  4 * HOUR,
  8 * HOUR,
  DAY,
  3 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
];

/** From a minute to a week: first responses come in minutes to hours, a neglected one in days. */
export const FIRST_RESPONSE_TIME_SECONDS = [
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  4 * HOUR,
  8 * HOUR,
  DAY,
  3 * DAY,
  7 * DAY,
];

export const SESSION_DURATION_SECONDS = [
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  HOUR,
  4 * HOUR,
  8 * HOUR,
  DAY,
  7 * DAY,
];

/** prom-client's boundaries for nodejs_gc_duration_seconds, kept so community dashboards read it alike. */
export const GC_DURATION_SECONDS = [0.001, 0.01, 0.1, 1, 2, 5];
