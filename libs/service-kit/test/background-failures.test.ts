import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import { waitFor } from '@support-center/testing';
import { baseConfigSchema, loadConfig, startService, type RunningService } from '../src';

/**
 * Issue 28, item 22: background work failing never ends the process. A worker whose start keeps
 * failing is retried (and counted); a gauge callback that throws costs its own samples, not the scrape; the
 * service keeps answering meanwhile. (Per-service workers failing against engines that are gone:
 * infra/proof/test/faults-background-failures.test.ts.)
 */
describe('background failures', () => {
  let telemetry: Telemetry;
  let running: RunningService | undefined;

  beforeAll(() => {
    telemetry = startTelemetry({ serviceName: 'failing', serviceVersion: '0.0.0', env: {} });
  });
  afterAll(async () => {
    await running?.stop();
    await telemetry.shutdown();
  });

  it('retries a failing worker, survives a throwing gauge callback, and keeps answering', async () => {
    let attempts = 0;
    const config = loadConfig(baseConfigSchema({ port: 0, mongoDb: 'failing' }), {
      LOG_LEVEL: 'silent',
    });
    running = await startService({
      name: 'failing',
      config,
      telemetry,
      dependencies: () => [],
      build: () => ({
        workers: [
          {
            name: 'flaky worker',
            start: async () => {
              attempts += 1;
              if (attempts < 3) throw new Error(`start failed (${attempts})`);
              telemetry.metrics.active_user_sessions.addCallback(() => {
                throw new Error('the gauge cannot be read');
              });
            },
            stop: async () => {},
          },
        ],
      }),
    });
    const url = `http://127.0.0.1:${running.port}`;

    await waitFor(() => attempts >= 3, { timeoutMs: 20_000, message: 'the worker to start at last' });
    const scrape = await fetch(`${url}/metrics`);
    expect(scrape.status).toBe(200);
    const exposition = await scrape.text();
    expect(exposition).toMatch(/^process_cpu_seconds_total/m);
    // Each failed start is counted, under the worker's name.
    expect(exposition).toMatch(/^background_task_failures_total\{[^}]*task="flaky worker"[^}]*\} 2$/m);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
