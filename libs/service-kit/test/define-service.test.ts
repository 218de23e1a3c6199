import { startTelemetry, type Telemetry } from '@support-center/telemetry';
import { waitFor } from '@support-center/testing';
import {
  baseConfigSchema,
  defineService,
  loadConfig,
  readyOnceStarted,
  type Dependency,
  type RunningService,
  type Worker,
} from '../src';

/**
 * Issue 30: a service declares its dependencies by name and `start` receives each with its own
 * type; readiness, the dependency metrics and the shutdown order come from the declaration.
 */

/** A client the test controls: up or down at will, and it notes when it is closed. */
function client(name: string, events: string[]) {
  let up = false;
  return {
    name,
    required: true,
    bringUp: () => void (up = true),
    async check() {
      if (!up) throw new Error(`${name} is down`);
    },
    async close() {
      events.push(`close ${name}`);
    },
  } satisfies Dependency & { bringUp(): void };
}

/** A worker that starts when the test lets it, and notes its start and stop. */
function worker(name: string, events: string[]) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    release,
    worker: {
      name,
      async start() {
        await released;
        events.push(`start ${name}`);
      },
      async stop() {
        events.push(`stop ${name}`);
      },
    } satisfies Worker,
  };
}

async function readiness(url: string) {
  const res = await fetch(`${url}/ready`);
  const body = (await res.json()) as { dependencies: { name: string; status: string }[] };
  return { status: res.status, states: body.dependencies.map((d) => `${d.name}:${d.status}`) };
}

describe('defineService', () => {
  let telemetry: Telemetry;
  let running: (RunningService & { refreshes(): number }) | undefined;

  beforeAll(() => {
    telemetry = startTelemetry({ serviceName: 'declared', serviceVersion: '0.0.0', env: {} });
  });
  afterAll(async () => {
    await running?.stop();
    await telemetry.shutdown();
  });

  it('hands start each dependency by name, reports them in declared order, and closes them after the workers', async () => {
    const events: string[] = [];
    const store = client('store', events);
    const broker = client('broker', events);
    let refreshes = 0;
    const cache = {
      readiness: client('cache', events),
      worker: { name: 'cache refresh', start: async () => void (refreshes += 1), stop: async () => {} },
      lookup: (key: string) => `cached ${key}`,
    };
    const setupWork = worker('setup', events);
    const config = loadConfig(baseConfigSchema({ port: 0, mongoDb: 'declared' }), { LOG_LEVEL: 'silent' });

    const service = defineService({
      name: 'declared',
      dependencies: () => ({ store, setup: readyOnceStarted('setup', 'set-up not done'), broker, cache }),
      // Typed by name: no cast reaches the carried object's own API or the readiness's tracker.
      start: ({ store: s, setup, cache: c, name }) => {
        expect([s.name, name, c.lookup('k')]).toEqual(['store', 'declared', 'cached k']);
        return {
          routes: (app) => app.get('/whoami', (_req, res) => void res.json({ name })),
          workers: setup.track(setupWork.worker),
          expose: { refreshes: () => refreshes },
        };
      },
    });
    running = await service.run({ config, telemetry });
    const url = `http://127.0.0.1:${running.port}`;

    expect(await readiness(url)).toEqual({
      status: 503,
      states: ['store:down', 'setup:down', 'broker:down', 'cache:down'],
    });
    const setupState = ((await (await fetch(`${url}/ready`)).json()) as { dependencies: object[] })
      .dependencies[1];
    expect(setupState).toMatchObject({ name: 'setup', error: 'set-up not done' });

    for (const dependency of [store, broker, cache.readiness]) dependency.bringUp();
    expect(await readiness(url)).toEqual({
      status: 503,
      states: ['store:up', 'setup:down', 'broker:up', 'cache:up'],
    });
    setupWork.release();
    await waitFor(async () => (await readiness(url)).status === 200, {
      timeoutMs: 10_000,
      message: 'the tracked worker to start',
    });
    // The carried worker ran with the service's own; what start exposed comes back with it.
    expect(running.refreshes()).toBe(1);
    expect(await (await fetch(`${url}/whoami`)).json()).toEqual({ name: 'declared' });

    const exposition = await (await fetch(`${url}/metrics`)).text();
    for (const name of ['store', 'setup', 'broker', 'cache'])
      expect(exposition).toMatch(new RegExp(`^service_dependency_up\\{[^}]*dependency="${name}"`, 'm'));

    await running.stop();
    // Workers stop before any client closes; the clients close in declared order.
    expect(events).toEqual(['start setup', 'stop setup', 'close store', 'close broker', 'close cache']);
  });

  it('refuses, when type-checked, a dependency under a name the start context already uses', () => {
    const definition = {
      name: 'clash',
      dependencies: () => ({ logger: client('logger', []) }),
      start: () => ({}),
    };
    // @ts-expect-error `logger` is the service's logger in start's context: no dependency may shadow it.
    expect(defineService(definition).name).toBe('clash');
  });

  it('follows work that says whether it runs: up only while every followed part does', async () => {
    const readiness = readyOnceStarted('fanout', 'fan-out consumers not running');
    await expect(readiness.check()).rejects.toThrow('fan-out consumers not running');
    const parts = [{ running: false }, { running: false }];
    readiness.follow(...parts);
    await expect(readiness.check()).rejects.toThrow('fan-out consumers not running');
    parts[0]!.running = true;
    await expect(readiness.check()).rejects.toThrow('fan-out consumers not running');
    parts[1]!.running = true;
    await expect(readiness.check()).resolves.toBeUndefined();
    parts[0]!.running = false;
    await expect(readiness.check()).rejects.toThrow('fan-out consumers not running');
  });
});
