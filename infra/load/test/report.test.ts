import { Report } from '../src/report';

describe('load report', () => {
  it('says what the unexpected answers and errors were, most frequent first (then as first seen)', () => {
    const report = new Report();
    report.record('create ticket', true, 10);
    report.record('create ticket', false, 12, '503 UNAVAILABLE');
    report.record('chat message', false, 5000, 'no reply in 5 s');
    report.record('create ticket', false, 11, '503 UNAVAILABLE');
    report.record('assign ticket', 'error', 15000, 'no answer in time');

    const summary = report.summary(1);
    expect(summary).toContain('| create ticket | 3 | 1 | 2 | 0 |');
    expect(summary.slice(summary.indexOf('unexpected answers and errors:')).split('\n').slice(1, 4)).toEqual([
      '  create ticket: 503 UNAVAILABLE ×2',
      '  chat message: no reply in 5 s ×1',
      '  assign ticket: no answer in time ×1',
    ]);
  });

  it('lists nothing more when every answer was the expected one', () => {
    const report = new Report();
    report.record('list tickets', true, 3);
    expect(report.summary(1)).not.toContain('unexpected answers');
  });
});
