import {
  getFreePort,
  startServiceProcess,
  waitFor,
  type ServiceName,
  type ServiceProcess,
} from '@support-center/testing';

/**
 * Issue 28, item 22: the expired-session sweep once ended auth while its MongoDB was starting
 * ("sessions.find() buffering timed out after 10000ms"). Here every background worker of every
 * service fails on every run, for longer than mongoose's ten-second buffering — sweeps and gauges
 * (no MongoDB yet), outbox relays, consumers and fanouts (no broker), the bucket setup (no S3) —
 * and each process lives, answers /health, and never needed the last-resort guard.
 */
const BUFFER_TIMEOUT_MS = 10_000;

const SERVICES: ServiceName[] = ['auth', 'ticket', 'file', 'realtime'];

interface LogLine {
  time: number | string;
  msg: string;
}

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return []; // the last line, still being written
      }
    });
}

describe.each(SERVICES)('%s with every background worker failing', (name) => {
  let service: ServiceProcess | undefined;
  afterAll(async () => service?.stop());

  it('keeps running and answering /health past mongoose buffering timeout', async () => {
    // Ports nothing listens on: the engines are "starting" for the whole test.
    const [mongoPort, kafkaPort, s3Port] = [await getFreePort(), await getFreePort(), await getFreePort()];
    const running = (service = await startServiceProcess(name, {
      MONGO_URL: `mongodb://127.0.0.1:${mongoPort}`,
      KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
      AUTH_SESSION_SWEEP_INTERVAL_MS: '200',
      AUTH_SESSION_GAUGE_INTERVAL_MS: '200',
      // Every retry is logged at debug: their times show how long the workers have been failing.
      LOG_LEVEL: 'debug',
    }));
    const failingFor = () => {
      const times = logLines(running.output())
        .filter((line) => /unreachable|failed/.test(line.msg))
        .map((line) => new Date(line.time).getTime());
      return times.length > 0 ? times.at(-1)! - times[0]! : 0;
    };

    await waitFor(
      () => {
        if (running.child.exitCode !== null || running.child.signalCode !== null)
          throw new Error(
            `${name} exited (${running.child.exitCode ?? running.child.signalCode}):\n${running.output()}`,
          );
        return failingFor() > BUFFER_TIMEOUT_MS + 2_000;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        message: 'workers failing for longer than the buffering timeout',
      },
    );

    expect((await fetch(`${running.url}/health`)).status).toBe(200);
    expect(running.output()).not.toMatch(/unhandled/i);
  }, 90_000);
});
