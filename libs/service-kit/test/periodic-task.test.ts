import { waitFor } from '@support-center/testing';
import { keepTrying, periodicTask, type Logger, type PeriodicTaskOptions } from '../src';

/**
 * Issue 28, item 22: a failing background task logs, counts and retries; it never ends the
 * process. The kit's periodic task does all three for every sweep and reload.
 */
describe('periodicTask', () => {
  function fakes() {
    const counted: { value: number; labels: Record<string, string> }[] = [];
    const metrics = {
      background_task_failures_total: {
        add: (value: number, labels: Record<string, string>) => counted.push({ value, labels }),
      },
    } as unknown as PeriodicTaskOptions['metrics'];
    const logged: { level: string; message: string }[] = [];
    const at = (level: string) => (_fields: object, message: string) => void logged.push({ level, message });
    const logger = {
      warn: at('warn'),
      info: at('info'),
      debug: at('debug'),
      error: at('error'),
    } as unknown as Logger;
    return { counted, metrics, logged, logger };
  }
  const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('counts and logs every failure, warns once per streak, logs the recovery, and retries', async () => {
    const { counted, metrics, logged, logger } = fakes();
    const outcomes = [false, false, false, true, false, true, true];
    let runs = 0;
    const task = periodicTask({
      name: 'flaky sweep',
      intervalMs: 5,
      logger,
      metrics,
      run: async () => {
        const ok = outcomes[runs] ?? true;
        runs += 1;
        if (!ok) throw new Error(`sweep ${runs} failed`);
      },
    });
    await task.start();
    try {
      await waitFor(() => runs >= outcomes.length, { timeoutMs: 5_000, message: 'every planned run' });
    } finally {
      await task.stop();
    }

    // The series starts at 0; the process lived through four failures (this test is still
    // running), each counted.
    const labels = { task: 'flaky sweep' };
    expect(counted).toEqual([
      { value: 0, labels },
      ...Array.from({ length: 4 }, () => ({ value: 1, labels })),
    ]);
    const levels = logged.map((entry) => entry.level);
    expect(levels.slice(0, 6)).toEqual(['warn', 'debug', 'debug', 'info', 'warn', 'info']);
    expect(logged[0]!.message).toBe('flaky sweep failed; the next tick retries');
    expect(logged[3]!.message).toBe('flaky sweep recovered');
  });

  it('never overlaps itself, and stop() clears the timer and awaits the run in progress', async () => {
    const { metrics, logger } = fakes();
    let active = 0;
    let most = 0;
    let runs = 0;
    let finished = 0;
    const task = periodicTask({
      name: 'slow sweep',
      intervalMs: 2,
      logger,
      metrics,
      run: async () => {
        runs += 1;
        active += 1;
        most = Math.max(most, active);
        await delay(40);
        active -= 1;
        finished += 1;
      },
    });
    await task.start();
    await waitFor(() => runs >= 2 && active === 1, {
      timeoutMs: 5_000,
      intervalMs: 5,
      message: 'a second run under way',
    });
    await task.stop();
    expect(active).toBe(0);
    expect(finished).toBe(runs);
    expect(most).toBe(1);

    const after = runs;
    await delay(30);
    expect(runs).toBe(after);
  });

  it('runOnce runs now or joins the run in progress, and never rejects', async () => {
    const { counted, metrics, logger } = fakes();
    let runs = 0;
    const task = periodicTask({
      name: 'manual sweep',
      intervalMs: 60_000,
      logger,
      metrics,
      run: async () => {
        runs += 1;
        await delay(10);
        throw new Error('down');
      },
    });
    await Promise.all([task.runOnce(), task.runOnce()]);
    expect(runs).toBe(1);
    const labels = { task: 'manual sweep' };
    expect(counted).toEqual([
      { value: 0, labels },
      { value: 1, labels },
    ]);
  });
});

describe('keepTrying', () => {
  it('reports every failed attempt, so the kit can count a worker that fails to start', async () => {
    const { logger } = {
      logger: { warn() {}, info() {}, debug() {}, error() {} } as unknown as Logger,
    };
    let attempts = 0;
    const failures: unknown[] = [];
    const stop = keepTrying(
      async () => {
        attempts += 1;
        if (attempts < 3) throw new Error(`attempt ${attempts}`);
      },
      { what: 'flaky worker', logger, initialDelayMs: 1, onFailure: (error) => failures.push(error) },
    );
    await waitFor(() => attempts >= 3, { timeoutMs: 5_000, message: 'the third attempt' });
    stop();
    expect(failures).toHaveLength(2);
  });
});
