/**
 * Filter for documents still valid at `now`. TTL indexes are outside the subset FerretDB 1.24
 * supports, so a service deletes expired documents itself, in a background worker; between two
 * of its sweeps an expired document is still stored, and reads must already count it as gone.
 */
export function notExpired(now: Date = new Date(), field = 'expiresAt'): Record<string, unknown> {
  return { [field]: { $gt: now } };
}
