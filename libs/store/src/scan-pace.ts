/**
 * The most of the time a periodic scan may take. On an engine that serves a scan's filter by
 * decoding the whole collection (FerretDB), a scan of a few thousand documents takes most of a
 * second, so a scan every second would keep a core busy and queue the writes behind it.
 */
export const SCAN_SHARE = 0.1;

/**
 * The wait before the next run of a periodic scan (the outbox relay's fallback poll, a gauge's
 * recount): `intervalMs`, or longer after a slow scan, so that scanning takes at most SCAN_SHARE
 * of the time. What the scan finds then waits ten scan durations at most.
 */
export function nextScanDelay(intervalMs: number, lastScanMs: number): number {
  return Math.max(intervalMs, Math.ceil(lastScanMs * (1 / SCAN_SHARE - 1)));
}
