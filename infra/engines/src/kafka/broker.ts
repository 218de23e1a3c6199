import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EngineOptions, RunningEngine } from '../engine';
import { NotInstalledError } from '../errors';
import { LineTail } from '../lines';
import { canConnect, freePort, resolvePort } from '../net';
import { enginePaths } from '../paths';
import { spawnChild } from '../process';
import { waitUntilReady, watchLog } from '../ready';
import { runCommand } from '../install/run-command';
import { dataLayout, log4j2Properties, serverProperties } from './config';

/** Alertmanager's port: the controller must never take it (docs/architecture.md, Local engines). */
const RESERVED_PORTS = new Set([9093]);
const READY_TIMEOUT_MS = 60_000;

/** JVM flags of the Kafka scripts, with a heap sized for a laptop instead of 1 GB. */
function jvmArgs(libs: string, log4jFile: string, appLogDir: string, heap: string): string[] {
  return [
    `-Xms128m`,
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExitOnOutOfMemoryError',
    // No hsperfdata files in /tmp for every test broker.
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jFile}`,
    `-Dkafka.logs.dir=${appLogDir}`,
    '-cp',
    path.join(libs, '*'),
  ];
}

async function controllerPortFor(brokerPort: number): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port !== brokerPort && !RESERVED_PORTS.has(port)) return port;
  }
}

/** Kafka's cluster id: 16 random bytes in base64url (22 characters), as StorageTool makes them. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // A leading dash would read as an option on StorageTool's command line.
    if (!id.startsWith('-')) return id;
  }
}

function clusterId(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const id = newClusterId();
  fs.writeFileSync(file, `${id}\n`);
  return id;
}

/** Starts one combined KRaft broker + controller in the foreground of this process. */
export async function startKafka(options: EngineOptions): Promise<RunningEngine> {
  const { kafkaLibs } = enginePaths();
  if (!fs.existsSync(kafkaLibs)) throw new NotInstalledError('kafka', kafkaLibs);

  const port = await resolvePort(options.port);
  const controllerPort = await controllerPortFor(port);
  const layout = dataLayout(path.resolve(options.dataDir));
  fs.mkdirSync(layout.logDir, { recursive: true });
  fs.mkdirSync(layout.appLogDir, { recursive: true });
  // Rewritten on every start: ports may differ between runs, the data does not care.
  fs.writeFileSync(layout.configFile, serverProperties({ port, controllerPort, logDir: layout.logDir }));
  fs.writeFileSync(layout.log4jFile, log4j2Properties());

  if (!fs.existsSync(path.join(layout.logDir, 'meta.properties'))) {
    const id = clusterId(layout.clusterIdFile);
    await runCommand(
      'kafka storage format',
      'java',
      [
        ...jvmArgs(kafkaLibs, layout.log4jFile, layout.appLogDir, '256m'),
        'kafka.tools.StorageTool',
        'format',
        '--config',
        layout.configFile,
        '--cluster-id',
        id,
        '--ignore-formatted',
      ],
      { cwd: options.dataDir, env: process.env, log: options.log },
    );
  }

  const tail = new LineTail();
  const started = watchLog((line) => {
    tail.push(line);
    options.log(line);
  }, /Kafka Server started/);
  const child = spawnChild(
    'java',
    [...jvmArgs(kafkaLibs, layout.log4jFile, layout.appLogDir, '512m'), 'kafka.Kafka', layout.configFile],
    { cwd: options.dataDir, log: started.sink, dieWithParent: true },
  );
  await waitUntilReady(
    'kafka',
    child,
    async () => started.seen() && (await canConnect(port)),
    READY_TIMEOUT_MS,
    () => tail.toString(),
  );

  return {
    url: `127.0.0.1:${port}`,
    exited: child.exited.then(() => undefined),
    stop: async () => {
      await child.stop(30_000);
    },
  };
}
