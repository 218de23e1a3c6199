import type { EngineOptions, RunningEngine } from '../engine';
import { freePort, resolvePort } from '../net';
import { startFerretdb } from './ferretdb';
import { startWriteGuard } from './write-guard';

export interface MongoEngine extends RunningEngine {
  /** FerretDB itself, without the write guard: only for measuring what the guard costs. */
  readonly unguardedUrl: string;
}

/** FerretDB on an internal port, with the write guard on the public one. */
export async function startMongo(options: EngineOptions): Promise<MongoEngine> {
  const publicPort = await resolvePort(options.port);
  const internalPort = await freePort();
  const ferretdb = await startFerretdb({ port: internalPort, dataDir: options.dataDir, log: options.log });
  let guard;
  try {
    guard = await startWriteGuard({ port: publicPort, upstreamPort: internalPort, log: options.log });
  } catch (error) {
    await ferretdb.stop();
    throw error;
  }
  const activeGuard = guard;
  return {
    url: `mongodb://127.0.0.1:${activeGuard.port}`,
    unguardedUrl: `mongodb://127.0.0.1:${internalPort}`,
    exited: ferretdb.exited.then(() => activeGuard.close()),
    stop: async () => {
      await activeGuard.close();
      await ferretdb.stop();
    },
  };
}
