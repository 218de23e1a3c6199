import { nextScanDelay, SCAN_SHARE } from '../src/scan-pace';

describe('a periodic scan’s pace', () => {
  it('waits the interval after a quick scan', () => {
    expect(nextScanDelay(1_000, 0)).toBe(1_000);
    expect(nextScanDelay(1_000, 50)).toBe(1_000);
    expect(nextScanDelay(1_000, 111)).toBe(1_000);
  });

  it('spaces slow scans out so that scanning takes at most its share of the time', () => {
    for (const scanMs of [112, 250, 700, 1_406, 30_000]) {
      const delay = nextScanDelay(1_000, scanMs);
      expect(delay).toBeGreaterThan(1_000);
      expect(scanMs / (scanMs + delay)).toBeLessThanOrEqual(SCAN_SHARE);
      // and no longer than that takes
      expect(scanMs / (scanMs + delay - 1)).toBeGreaterThan(SCAN_SHARE);
    }
  });
});
