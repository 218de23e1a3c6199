/**
 * The closed set of `size_bucket` label values of `file_uploads_total`. Lower bounds are
 * inclusive, upper bounds exclusive; 1 KB = 1,000 bytes and 1 MB = 1,000,000 bytes.
 */
export const SIZE_BUCKETS = [
  { label: '0-100KB', below: 100_000 },
  { label: '100KB-1MB', below: 1_000_000 },
  { label: '1-5MB', below: 5_000_000 },
  { label: '5-25MB', below: 25_000_000 },
  { label: '25-100MB', below: 100_000_000 },
  { label: '100MB+', below: Number.POSITIVE_INFINITY },
] as const;

export type SizeBucket = (typeof SIZE_BUCKETS)[number]['label'];

export function sizeBucket(bytes: number): SizeBucket {
  return (SIZE_BUCKETS.find((b) => bytes < b.below) ?? SIZE_BUCKETS[SIZE_BUCKETS.length - 1]!).label;
}
