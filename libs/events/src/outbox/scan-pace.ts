/**
 * The most of the time the fallback scan may take. On an engine that serves the scan's filter by
 * decoding the whole collection (FerretDB), a scan of a few thousand documents takes most of a
 * second, so a scan every second would keep a core busy and queue the writes it exists to back up.
 */
export const SCAN_SHARE = 0.1;

/**
 * The wait before the next fallback scan: `pollIntervalMs`, or longer after a slow scan, so that
 * scanning takes at most SCAN_SHARE of the time. A document nobody woke the relay for then waits
 * ten scan durations at most (a crashed writer's), where a woken one never waits for a scan.
 */
export function nextScanDelay(pollIntervalMs: number, lastScanMs: number): number {
  return Math.max(pollIntervalMs, Math.ceil(lastScanMs * (1 / SCAN_SHARE - 1)));
}
