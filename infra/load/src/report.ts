/**
 * Per-action counts and latencies, a progress line while running, a table at the end, and what
 * the unexpected answers and errors were (an operator needs the why, not only the count).
 */
export class Report {
  private readonly rows = new Map<
    string,
    { ok: number; unexpected: number; errors: number; latencies: number[] }
  >();
  /** `action: what was answered` → how often. */
  private readonly failures = new Map<string, number>();
  skipped = 0;

  /** `detail` says what an unexpected answer or an error was, e.g. `409 CONFLICT` or `timeout`. */
  record(action: string, expected: boolean | 'error', latencyMs: number, detail = 'no detail'): void {
    let row = this.rows.get(action);
    if (!row) this.rows.set(action, (row = { ok: 0, unexpected: 0, errors: 0, latencies: [] }));
    if (expected === 'error') row.errors += 1;
    else if (expected) row.ok += 1;
    else row.unexpected += 1;
    row.latencies.push(latencyMs);
    if (expected !== true) {
      const key = `${action}: ${detail}`;
      this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    }
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
    if (this.failures.size > 0) {
      lines.push('', 'unexpected answers and errors:');
      for (const [key, count] of [...this.failures.entries()].sort((a, b) => b[1] - a[1]))
        lines.push(`  ${key} ×${count}`);
    }
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
