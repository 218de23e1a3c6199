import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { dataRoot } from '@support-center/engines';
import { startChild, type Child } from './child';
import { findNginx, gatewayPort, startDevGateway } from './gateway/dev-gateway';
import { DEMO_ACCOUNTS, demoPassword, seedDemoAccounts, type DemoPassword } from './demo-accounts';
import { prefixLines } from './prefixed-output';
import { devSigningKey } from './signing-key';
import { ENGINE_URLS, SERVICES, serviceEnv } from './stack';

const ROOT = resolve(__dirname, '../../..');
const ENGINES_CLI = resolve(ROOT, 'infra/engines/dist/cli.js');

export interface DevOptions {
  fresh: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * `npm run dev`: the engines (`support-engines up`), then the four services and the gateway (nginx,
 * on GATEWAY_PORT, 8000 by default), logs prefixed by component, a table of URLs once everything
 * is ready, and a clean stop on Ctrl-C. Resolves with the exit code.
 */
export async function runDev({ fresh, env = process.env }: DevOptions): Promise<number> {
  const port = gatewayPort(env);
  const readyTimeoutMs = readyTimeout(env);
  const nginx = findNginx(env);
  if (!nginx)
    throw new Error('nginx is not installed (apt-get install nginx; .ci/run does): it runs the gateway');
  const engines = startChild(
    'engines',
    process.execPath,
    [ENGINES_CLI, 'up', ...(fresh ? ['--fresh'] : [])],
    env,
  );
  engines.process.stderr?.pipe(process.stderr);
  const enginesUp = await waitForLine(engines, 'all up');
  if (!enginesUp) return 1;

  // After `up`, which empties the data directory on --fresh, so a fresh start gets a new password.
  const demo = demoPassword(resolve(dataRoot(env), 'dev', 'demo-password'), env);
  const signingKey = devSigningKey(resolve(dataRoot(env), 'dev', 'auth-signing-key.pem'), env);
  const services = SERVICES.map((service, index) => {
    const bootstrap =
      service.name === 'auth'
        ? {
            AUTH_BOOTSTRAP_ADMIN_USERNAME: 'admin',
            AUTH_BOOTSTRAP_ADMIN_PASSWORD: demo.password,
            AUTH_SIGNING_KEY: signingKey,
          }
        : {};
    const child = startChild(
      service.name,
      process.execPath,
      [resolve(ROOT, 'services', service.name, 'dist/main.js')],
      serviceEnv(service.port, { ...bootstrap, ...env }),
    );
    prefixLines(service.name, index, child.process.stdout, child.process.stderr);
    return child;
  });
  const gateway = startDevGateway(
    nginx,
    port,
    Object.fromEntries(SERVICES.map((s) => [s.name, s.port])),
    env,
  );
  prefixLines('gateway', SERVICES.length, gateway.process.stdout, gateway.process.stderr);
  const children = [engines, gateway, ...services];

  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      // The gateway and the services first, so they drain while Kafka and MongoDB are still there.
      await Promise.all([gateway, ...services].map((s) => s.stop()));
      await engines.stop();
    })());
  process.once('SIGINT', () => void stopAll());
  process.once('SIGTERM', () => void stopAll());

  const start = await Promise.race([
    waitUntilReady(port, readyTimeoutMs).then((ready) => (ready ? 'ready' : 'not ready')),
    ...children.map((c) => c.exited.then(() => 'exited' as const)),
  ]);
  if (start !== 'ready') {
    // Interrupted, crashed or too slow: nothing it started may outlive the run.
    const interrupted = stopping !== undefined;
    if (start === 'exited' && !interrupted)
      process.stderr.write('dev: a component stopped before everything was ready\n');
    await stopAll();
    return interrupted ? 0 : 1;
  }
  await seedDemoAccounts('http://127.0.0.1:8002', demo.password).then(
    () => printSummary(demo, port),
    (error: unknown) => {
      process.stderr.write(`dev: ${error instanceof Error ? error.message : String(error)}\n`);
      void stopAll();
    },
  );

  // A component that dies on its own takes the stack down: a half-running stack misleads.
  await Promise.race(children.map((c) => c.exited));
  const crashed = stopping === undefined;
  await stopAll();
  return crashed ? 1 : 0;
}

/** Passes the engines' output through and resolves true once it prints `marker` (false if it exits). */
function waitForLine(child: Child, marker: string): Promise<boolean> {
  return new Promise((done) => {
    createInterface({ input: child.process.stdout! }).on('line', (line) => {
      process.stdout.write(`${line}\n`);
      if (line.startsWith(marker)) done(true);
    });
    void child.exited.then(() => done(false));
  });
}

/** DEV_READY_TIMEOUT_MS: how long the stack may take to be ready (60 s; more on a slow machine). */
function readyTimeout(env: NodeJS.ProcessEnv): number {
  const value = env.DEV_READY_TIMEOUT_MS ?? '60000';
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms < 1)
    throw new Error(`DEV_READY_TIMEOUT_MS must be a positive whole number of milliseconds, not "${value}"`);
  return ms;
}

async function waitUntilReady(gatewayPort: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const probes = [
    ...SERVICES.map((s) => ({ name: s.name, url: `http://127.0.0.1:${s.port}/ready` })),
    { name: 'gateway', url: `http://127.0.0.1:${gatewayPort}/health` },
  ];
  for (const service of probes) {
    while (!(await isReady(service.url))) {
      if (Date.now() > deadline) {
        process.stderr.write(
          `dev: ${service.name} was not ready within ${timeoutMs / 1000} s (${service.url}); stopping everything (DEV_READY_TIMEOUT_MS gives a slow machine longer)\n`,
        );
        return false;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return true;
}

async function isReady(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

function printSummary(demo: DemoPassword, gatewayPort: number): void {
  const rows: [string, string][] = [
    [
      'gateway',
      `http://localhost:${gatewayPort}  (the one origin for frontends: /api/v1/…, /chat, /ws/notifications)`,
    ],
    ...SERVICES.map(({ name, port }): [string, string] => [
      name,
      `http://127.0.0.1:${port}  (/health /ready /metrics)`,
    ]),
    ['kafka', ENGINE_URLS.kafka],
    ['mongodb', ENGINE_URLS.mongo],
    ['s3', ENGINE_URLS.s3],
  ];
  // `support-engines up` runs these only once their configuration exists.
  if (existsSync(resolve(ROOT, 'observability/prometheus/prometheus.yml')))
    rows.push(['prometheus', ENGINE_URLS.prometheus]);
  if (existsSync(resolve(ROOT, 'observability/alertmanager/alertmanager.yml'))) {
    rows.push(['alertmanager', ENGINE_URLS.alertmanager]);
  }
  const password = demo.generated
    ? `${demo.password}  (generated; set DEMO_PASSWORD to choose one)`
    : 'DEMO_PASSWORD';
  const lines = [
    '',
    'Support Center is up:',
    ...rows.map(([what, url]) => `  ${what.padEnd(13)} ${url}`),
    '',
    `Demo accounts (${DEMO_ACCOUNTS.map((a) => `${a.username}: ${a.role}`).join(', ')})`,
    `  password: ${password}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
