import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENGINE_NAMES, isEngineName, type RunningEngine } from './engine';
import { EngineStartError, UsageError } from './errors';
import { canConnect } from './net';
import { dataRoot, repoRoot } from './paths';
import { spawnChild, watchParent, type ChildHandle } from './process';
import { runEngine } from './run-engine';
import { commandExists } from './install/toolchain';

/** Standard ports (docs/architecture.md, "Local engines"). */
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
  /** Writes what the configuration reads besides itself; returns the configuration to load. */
  prepare(config: string, dataDir: string): string;
  env(): NodeJS.ProcessEnv;
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
      // prometheus.yml's external label runbook_base_url is ${RUNBOOK_BASE_URL}.
      '--enable-feature=expand-external-labels',
      // Its only warning in a healthy run is its own SIGTERM notice; failing scrapes and rules
      // show on its targets and rules pages, and as alerts.
      '--log.level=error',
    ],
    prepare: (config) => {
      writePrometheusSecrets(config);
      return config;
    },
    // Alerts link to <RUNBOOK_BASE_URL>/runbooks.md#…: locally, this checkout's docs/.
    env: () => ({
      ...process.env,
      RUNBOOK_BASE_URL: process.env.RUNBOOK_BASE_URL ?? pathToFileURL(path.join(repoRoot, 'docs')).href,
    }),
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
    prepare: renderAlertmanagerConfig,
    env: () => process.env,
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
  const port = STANDARD_PORTS[name];
  const dataDir = path.join(dataRoot(), name);
  fs.mkdirSync(dataDir, { recursive: true });
  const config = spec.prepare(spec.config, dataDir);
  const child: ChildHandle = spawnChild(binary, spec.args(config, dataDir, port), {
    log,
    dieWithParent: true,
    env: spec.env(),
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
 * It sends secrets/monitoring_password to Alertmanager and itself: empty locally, where neither
 * requires one (under docker compose both do).
 */
function writePrometheusSecrets(config: string): void {
  const dir = path.join(path.dirname(config), 'secrets');
  fs.mkdirSync(dir, { recursive: true });
  const tokenFile = path.join(dir, 'metrics_token');
  const token = process.env.METRICS_TOKEN;
  if (token !== undefined || !fs.existsSync(tokenFile))
    fs.writeFileSync(tokenFile, token ?? '', { mode: 0o600 });
  const passwordFile = path.join(dir, 'monitoring_password');
  if (!fs.existsSync(passwordFile)) fs.writeFileSync(passwordFile, '', { mode: 0o600 });
}

/**
 * alertmanager.yml is a template whose receivers send to ${ALERT_WEBHOOK_URL} (Alertmanager
 * expands no variables): rendered into the data folder with the variable, by default a local
 * webhook on 127.0.0.1:5001 (any sink that listens there sees the notifications).
 */
function renderAlertmanagerConfig(template: string, dataDir: string): string {
  const url = process.env.ALERT_WEBHOOK_URL ?? 'http://127.0.0.1:5001/';
  const rendered = path.join(dataDir, 'alertmanager.yml');
  // The placeholder sits in a single-quoted YAML string, where a quote is written twice.
  const text = fs
    .readFileSync(template, 'utf8')
    .replaceAll('${ALERT_WEBHOOK_URL}', url.replaceAll("'", "''"));
  fs.writeFileSync(rendered, text);
  return rendered;
}
