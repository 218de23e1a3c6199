/** Per-action counts and latencies, a progress line while running, a table at the end. */
export class Report {
  private readonly rows = new Map<
    string,
    { ok: number; unexpected: number; errors: number; latencies: number[] }
  >();
  skipped = 0;

  record(action: string, expected: boolean | 'error', latencyMs: number): void {
    let row = this.rows.get(action);
    if (!row) this.rows.set(action, (row = { ok: 0, unexpected: 0, errors: 0, latencies: [] }));
    if (expected === 'error') row.errors += 1;
    else if (expected) row.ok += 1;
    else row.unexpected += 1;
    row.latencies.push(latencyMs);
  }

  progressLine(elapsedS: number, durationS: number, inFlight: number): string {
    const done = [...this.rows.values()].reduce((sum, r) => sum + r.ok + r.unexpected + r.errors, 0);
    const failed = [...this.rows.values()].reduce((sum, r) => sum + r.unexpected + r.errors, 0);
    const share = Math.min(1, elapsedS / durationS);
    const width = 30;
    const bar = '█'.repeat(Math.round(share * width)).padEnd(width, '░');
    return `${bar} ${Math.round(share * 100)}% ${Math.round(elapsedS)}/${durationS} s  ${done} actions, ${failed} unexpected, ${inFlight} in flight`;
  }

  summary(elapsedS: number): string {
    const lines = [
      '',
      `| action | count | as expected | unexpected | errors | p50 | p99 |`,
      `|---|---|---|---|---|---|---|`,
    ];
    let total = 0;
    for (const [name, row] of [...this.rows.entries()].sort()) {
      const count = row.ok + row.unexpected + row.errors;
      total += count;
      const sorted = [...row.latencies].sort((a, b) => a - b);
      const at = (q: number) =>
        `${Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0)} ms`;
      lines.push(
        `| ${name} | ${count} | ${row.ok} | ${row.unexpected} | ${row.errors} | ${at(0.5)} | ${at(0.99)} |`,
      );
    }
    lines.push('', `${total} actions in ${elapsedS.toFixed(1)} s (${(total / elapsedS).toFixed(1)}/s)`);
    if (this.skipped > 0)
      lines.push(
        `${this.skipped} ticks skipped: too many actions in flight (the system is slower than the rate)`,
      );
    return `${lines.join('\n')}\n`;
  }

  get unexpectedShare(): number {
    const rows = [...this.rows.values()];
    const count = rows.reduce((sum, r) => sum + r.ok + r.unexpected + r.errors, 0);
    return count === 0 ? 0 : rows.reduce((sum, r) => sum + r.unexpected + r.errors, 0) / count;
  }
}
