import {
  startTestIssuer,
  testNamespace,
  type ServiceName,
  type ServiceProcess,
  type TestIssuer,
} from '@support-center/testing';
import { startOwnEngine, type OwnEngine } from './support/engines';
import { startService } from './support/services';

/**
 * Issue 28, item 21: a service told to stop while its engines are gone (or going, as when a test
 * run stops engines and services together) still exits by itself, within SHUTDOWN_TIMEOUT_MS:
 * cleanly, or naming the steps it gave up on. It is never left for the harness's SIGKILL.
 */
const SHUTDOWN_TIMEOUT_MS = 4_000;
/** The services with every kind of worker: consumers (ticket, realtime), relays, sweeps, gauges. */
const SERVICES: ServiceName[] = ['auth', 'ticket', 'realtime'];

interface Stopped {
  name: ServiceName;
  code: number | null;
  waitingFor?: string[];
}

function deadlineReport(output: string): string[] | undefined {
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; waitingFor?: string[] };
    if (entry.msg?.includes('shutdown deadline')) return entry.waitingFor;
  }
  return undefined;
}

describe('SIGTERM while the engines are gone', () => {
  let issuer: TestIssuer;
  beforeAll(async () => (issuer = await startTestIssuer()));
  afterAll(async () => issuer?.close());

  async function startStack(label: string) {
    const ns = testNamespace(`proof_shutdown_${label}`);
    const [kafka, mongo] = await Promise.all([startOwnEngine('kafka'), startOwnEngine('mongo')]);
    // One after the other: on a small machine three services starting at once miss /health's wait.
    const services: ServiceProcess[] = [];
    for (const name of SERVICES) {
      services.push(
        await startService(name, {
          kafkaBrokers: kafka.url,
          mongoUrl: mongo.url,
          database: ns.database(name),
          jwksUrl: issuer.jwksUrl,
          topicPrefix: ns.topicPrefix,
          SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
          LOG_LEVEL: 'info',
        }),
      );
    }
    return { engines: [kafka, mongo] as OwnEngine[], services };
  }

  async function stopEach(services: ServiceProcess[]): Promise<Stopped[]> {
    return Promise.all(
      services.map(async (service) => {
        const code = await service.stop('SIGTERM');
        return { name: service.name, code, waitingFor: deadlineReport(service.output()) };
      }),
    );
  }

  function expectOwnExit(stopped: Stopped[]): void {
    for (const { name, code } of stopped) {
      // null: the harness had to SIGKILL it. 0: a clean stop; 1: the deadline, with its report.
      expect({ name, exitedByItself: code === 0 || code === 1 }).toEqual({ name, exitedByItself: true });
    }
    for (const { name, waitingFor } of stopped.filter((s) => s.code === 1)) {
      expect({ name, named: (waitingFor?.length ?? 0) > 0 }).toEqual({ name, named: true });
    }
    console.info(
      stopped
        .map(
          ({ name, code, waitingFor }) =>
            `${name} exit ${code}${waitingFor ? ` (gave up on ${waitingFor.join(', ')})` : ''}`,
        )
        .join('; '),
    );
  }

  it('exits by itself when the engines stopped first', async () => {
    const { engines, services } = await startStack('after');
    await Promise.all(engines.map((engine) => engine.stop()));
    try {
      expectOwnExit(await stopEach(services));
    } finally {
      await Promise.all(engines.map((engine) => engine.dispose()));
    }
  }, 240_000);

  it('exits by itself when the engines stop at the same time', async () => {
    const { engines, services } = await startStack('together');
    try {
      const [stopped] = await Promise.all([
        stopEach(services),
        Promise.all(engines.map((engine) => engine.stop())),
      ]);
      expectOwnExit(stopped);
    } finally {
      await Promise.all(engines.map((engine) => engine.dispose()));
    }
  }, 240_000);
});
