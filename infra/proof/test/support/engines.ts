import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine, type EngineProcess } from '@support-center/engines';
import { getFreePort } from '@support-center/testing';

/** An engine of the test's own, that it can stop and start again on the same port and data. */
export interface OwnEngine {
  /** A broker list (`host:port`) for Kafka, a connection string for MongoDB. */
  readonly url: string;
  /** SIGTERM and wait (the engine shut down cleanly). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir; resolves once it is ready. */
  start(): Promise<void>;
  /** Stops it (when running) and removes its data. */
  dispose(): Promise<void>;
}

/** Starts `support-engines <name>` on a free port with a temporary data dir. */
export async function startOwnEngine(name: 'kafka' | 'mongo'): Promise<OwnEngine> {
  const dataDir = mkdtempSync(join(tmpdir(), `proof-${name}-`));
  const port = await getFreePort();
  const lines: string[] = [];
  const log = (line: string) => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
  };
  let running: EngineProcess | undefined = await startEngine(name, { dataDir, port, log });
  const url = running.url;
  return {
    url,
    async stop() {
      await running?.stop();
      running = undefined;
    },
    async start() {
      if (running) return;
      running = await startEngine(name, { dataDir, port, log });
      if (running.url !== url) throw new Error(`${name} came back on ${running.url}, not ${url}`);
    },
    async dispose() {
      await running?.stop();
      running = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
