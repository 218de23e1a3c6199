import fs from 'node:fs';
import path from 'node:path';
import { ENGINE_NAMES, isEngineName, type RunningEngine } from './engine';
import { EngineStartError, UsageError } from './errors';
import { canConnect } from './net';
import { dataRoot, repoRoot } from './paths';
import { spawnChild, watchParent, type ChildHandle } from './process';
import { runEngine } from './run-engine';
import { commandExists } from './install/toolchain';

/** Standard ports (DESIGN.md, "Local engines"). */
export const STANDARD_PORTS = {
  kafka: 9092,
  mongo: 27017,
  s3: 9000,
  prometheus: 9090,
  alertmanager: 9093,
} as const;

type MonitorName = 'prometheus' | 'alertmanager';
const MONITORS: readonly MonitorName[] = ['prometheus', 'alertmanager'];

interface MonitorSpec {
  binaries: string[];
  config: string;
  args(config: string, dataDir: string, port: number): string[];
}

/** Prometheus and Alertmanager come from Debian packages; `up` runs them when present. */
const MONITOR_SPECS: Readonly<Record<MonitorName, MonitorSpec>> = {
  prometheus: {
    binaries: ['prometheus'],
    config: path.join(repoRoot, 'observability', 'prometheus', 'prometheus.yml'),
    args: (config, dataDir, port) => [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      '--storage.tsdb.retention.time=30d',
      '--storage.tsdb.retention.size=10GB',
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
    ],
  },
  alertmanager: {
    binaries: ['prometheus-alertmanager', 'alertmanager'],
    config: path.join(repoRoot, 'observability', 'alertmanager', 'alertmanager.yml'),
    // An empty cluster address turns off gossip, which would otherwise take port 9094.
    args: (config, dataDir, port) => [
      `--config.file=${config}`,
      `--storage.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
  },
};

interface Stoppable {
  name: string;
  stop(): Promise<void>;
  exited: Promise<void>;
}

const prefixed =
  (name: string) =>
  (line: string): void => {
    process.stdout.write(`${name.padEnd(12)}| ${line}\n`);
  };

export interface UpOptions {
  names: string[];
  fresh: boolean;
}

/** `support-engines up`: everything on the standard ports until Ctrl-C. */
export async function up({ names, fresh }: UpOptions): Promise<number> {
  const wanted = names.length > 0 ? names : [...ENGINE_NAMES, ...MONITORS];
  for (const name of wanted) {
    if (!isEngineName(name) && !MONITORS.includes(name as MonitorName)) {
      throw new UsageError(`unknown engine "${name}" (known: ${[...ENGINE_NAMES, ...MONITORS].join(', ')})`);
    }
  }
  if (fresh) fs.rmSync(dataRoot(), { recursive: true, force: true });

  const running: Stoppable[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> =>
    (stopping ??= Promise.all([...running].reverse().map((engine) => engine.stop())).then(() => undefined));
  process.once('SIGINT', () => void stopAll());
  process.once('SIGTERM', () => void stopAll());
  watchParent(() => void stopAll());

  try {
    for (const name of wanted) {
      const log = prefixed(name);
      if (isEngineName(name)) {
        const engine: RunningEngine = await runEngine(name, {
          port: STANDARD_PORTS[name],
          dataDir: path.join(dataRoot(), name),
          log,
        });
        running.push({ name, stop: () => engine.stop(), exited: engine.exited });
        log(`ready ${engine.url}`);
      } else {
        const monitor = await startMonitor(name as MonitorName, log);
        if (monitor) running.push(monitor);
      }
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  process.stdout.write(`all up (${running.map((r) => r.name).join(', ')}); Ctrl-C stops everything\n`);
  // Any engine exiting on its own takes the others down: a half-running stack misleads.
  await Promise.race(running.map((r) => r.exited));
  const crashed = stopping === undefined;
  await stopAll();
  return crashed ? 1 : 0;
}

async function startMonitor(name: MonitorName, log: (line: string) => void): Promise<Stoppable | undefined> {
  const spec = MONITOR_SPECS[name];
  const binary = spec.binaries.find((candidate) => commandExists(candidate));
  if (!binary) {
    log(
      `skipped: ${spec.binaries[0]} is not installed (apt-get install ${name === 'prometheus' ? 'prometheus' : 'prometheus-alertmanager'})`,
    );
    return undefined;
  }
  if (!fs.existsSync(spec.config)) {
    log(`skipped: no config at ${path.relative(repoRoot, spec.config)}`);
    return undefined;
  }
  if (name === 'prometheus') writeMetricsToken(spec.config);
  const port = STANDARD_PORTS[name];
  const dataDir = path.join(dataRoot(), name);
  fs.mkdirSync(dataDir, { recursive: true });
  const child: ChildHandle = spawnChild(binary, spec.args(spec.config, dataDir, port), {
    log,
    dieWithParent: true,
  });
  const deadline = Date.now() + 20_000;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline) {
      await child.stop();
      throw new EngineStartError(name, `did not listen on ${port} within 20 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  log(`ready http://127.0.0.1:${port}`);
  return { name, stop: async () => void (await child.stop()), exited: child.exited.then(() => undefined) };
}

/**
 * prometheus.yml sends the bearer token in secrets/metrics_token (gitignored) beside it: the
 * services' METRICS_TOKEN when set here, otherwise an empty token, which services without one ignore.
 */
function writeMetricsToken(config: string): void {
  const file = path.join(path.dirname(config), 'secrets', 'metrics_token');
  const token = process.env.METRICS_TOKEN;
  if (token === undefined && fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, token ?? '', { mode: 0o600 });
}
