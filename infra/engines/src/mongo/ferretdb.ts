import fs from 'node:fs';
import path from 'node:path';
import { NotInstalledError } from '../errors';
import { LineTail } from '../lines';
import { canConnect } from '../net';
import { enginePaths } from '../paths';
import { spawnChild, type ChildHandle, type LogSink } from '../process';
import { waitUntilReady } from '../ready';

const READY_TIMEOUT_MS = 30_000;

export interface FerretdbOptions {
  port: number;
  dataDir: string;
  log: LogSink;
}

/** Runs our FerretDB launcher (SQLite backend, one file per database in `dataDir`). */
export async function startFerretdb({ port, dataDir, log }: FerretdbOptions): Promise<ChildHandle> {
  const { ferretdbBinary } = enginePaths();
  if (!fs.existsSync(ferretdbBinary)) throw new NotInstalledError('mongo (FerretDB)', ferretdbBinary);
  fs.mkdirSync(dataDir, { recursive: true });

  const tail = new LineTail();
  const child = spawnChild(
    ferretdbBinary,
    [
      `--listen=127.0.0.1:${port}`,
      `--data-dir=${path.resolve(dataDir)}`,
      // FerretDB logs each error answer at warn (the driver's endSessions at every disconnect, which
      // it does not implement; a duplicate key); the client gets the error and deals with it.
      '--log-level=error',
      '--exit-on-stdin-eof',
    ],
    {
      log: (line) => {
        tail.push(line);
        log(line);
      },
      // Both: stdin EOF works everywhere, the death signal also covers a frozen runner.
      stdinPipe: true,
      dieWithParent: true,
    },
  );
  await waitUntilReady(
    'mongo',
    child,
    () => canConnect(port),
    READY_TIMEOUT_MS,
    () => tail.toString(),
  );
  return child;
}
