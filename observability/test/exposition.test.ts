import { randomBytes } from 'node:crypto';
import { families } from '@support-center/telemetry';
import {
  serviceEnv,
  parseExposition,
  startServiceProcess,
  type ExpositionFamily,
  type ServiceName,
  type ServiceProcess,
} from '@support-center/testing';

const SERVICES: ServiceName[] = ['ticket', 'auth', 'file', 'realtime'];
const COMMON = /^(http_|process_|nodejs_)/;

async function scrape(service: ServiceProcess): Promise<Map<string, ExpositionFamily>> {
  return parseExposition(await (await fetch(`${service.url}/metrics`)).text());
}

function shape(family: ExpositionFamily) {
  return { name: family.name, type: family.type, help: family.help, labels: family.labelNames };
}

describe('the four services expose one catalog', () => {
  const running = new Map<ServiceName, ServiceProcess>();

  beforeAll(async () => {
    for (const name of SERVICES)
      running.set(name, await startServiceProcess(name, serviceEnv(`exposition_${name}`)));
    // The same traffic everywhere, so every HTTP family has samples to compare.
    for (const service of running.values()) {
      await fetch(`${service.url}/health`);
      await fetch(`${service.url}/nope`, {
        method: 'POST',
        body: '{}',
        headers: { 'Content-Type': 'application/json' },
      });
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...running.values()].map((s) => s.stop()));
  });

  it('gives the common families the same names, types, label names and help text', async () => {
    const shapes = new Map<ServiceName, unknown[]>();
    for (const [name, service] of running) {
      const common = [...(await scrape(service)).values()]
        .filter((f) => COMMON.test(f.name) && f.name !== 'nodejs_gc_duration_seconds')
        .map(shape)
        .sort((a, b) => a.name.localeCompare(b.name));
      shapes.set(name, common);
    }
    const reference = shapes.get('ticket') as { name: string }[];
    const declared = Object.keys(families).filter(
      (f) => COMMON.test(f) && f !== 'nodejs_gc_duration_seconds',
    );
    expect(reference.map((f) => f.name)).toEqual(declared.sort());
    for (const name of SERVICES)
      expect({ service: name, families: shapes.get(name) }).toEqual({ service: name, families: reference });
  });

  it('exposes nothing the catalog does not declare, with the declared help text', async () => {
    for (const [name, service] of running) {
      for (const family of (await scrape(service)).values()) {
        if (family.name === 'target_info') continue;
        const declared = (families as Record<string, { help: string }>)[family.name];
        expect({ service: name, family: family.name, help: family.help }).toEqual({
          service: name,
          family: family.name,
          help: declared?.help,
        });
      }
    }
  });

  it('keeps handler values bounded: 1,000 requests to random unknown paths add only "unmatched"', async () => {
    const service = running.get('ticket') as ServiceProcess;
    const handlers = async () =>
      new Set((await scrape(service)).get('http_requests_total')?.samples.map((s) => s.labels.handler));
    const before = await handlers();
    for (let i = 0; i < 1000; i += 1) {
      await fetch(`${service.url}/${randomBytes(8).toString('hex')}/${i}`, {
        method: i % 2 ? 'GET' : 'DELETE',
      });
    }
    const added = [...(await handlers())].filter((h) => !before.has(h));
    expect(added.filter((h) => h !== 'unmatched')).toEqual([]);
  });
});
