/**
 * The closed set of `resolution_time_bucket` values of `ticket_solved_total`, with the upper
 * bound of each in seconds (the last has none).
 */
const HOUR = 3600;
const DAY = 24 * HOUR;

export const RESOLUTION_BUCKETS = [
  { label: '<1h', below: HOUR },
  { label: '1-4h', below: 4 * HOUR },
  { label: '4-24h', below: DAY },
  { label: '1-3d', below: 3 * DAY },
  { label: '>3d', below: Number.POSITIVE_INFINITY },
] as const;

export type ResolutionBucket = (typeof RESOLUTION_BUCKETS)[number]['label'];

export function resolutionBucket(seconds: number): ResolutionBucket {
  for (const bucket of RESOLUTION_BUCKETS) if (seconds < bucket.below) return bucket.label;
  return '>3d';
}
