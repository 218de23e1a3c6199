import fs from 'node:fs';
import path from 'node:path';
import type { EngineOptions, RunningEngine } from './engine';
import { NotInstalledError } from './errors';
import { resolvePort } from './net';
import { enginePaths } from './paths';

/** The slice of s3rver 3.x we use (it ships no types). */
interface S3rverInstance {
  run(): Promise<{ port: number } | string>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/**
 * s3rver runs inside this process: it is a Node library, installed into the engine
 * cache rather than the workspace, hence the require by path. Objects are plain files
 * under `dataDir`, so a restart keeps them.
 */
export async function startS3(options: EngineOptions): Promise<RunningEngine> {
  const { s3rverModule } = enginePaths();
  if (!fs.existsSync(path.join(s3rverModule, 'package.json')))
    throw new NotInstalledError('s3', s3rverModule);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require(s3rverModule) as S3rverConstructor;

  acceptAnyAccessKey(s3rverModule);

  fs.mkdirSync(options.dataDir, { recursive: true });
  const port = await resolvePort(options.port);
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory: path.resolve(options.dataDir),
    silent: true,
    // With any key accepted (below), signatures cannot match the secrets we invent.
    allowMismatchedSignatures: true,
    // Path style only, as the services address it (forcePathStyle): otherwise a request to a
    // host name (`http://minio:9000` in a compose network) names the bucket by that host.
    vhostBuckets: false,
  });
  const address = await server.run();
  const actualPort = typeof address === 'object' ? address.port : port;

  let resolveExited: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => (resolveExited = resolve));
  return {
    url: `http://127.0.0.1:${actualPort}`,
    exited,
    stop: async () => {
      await server.close();
      resolveExited();
    },
  };
}

interface AccountModule {
  registry: Map<string, unknown>;
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}

/**
 * s3rver knows one hard-coded key pair (S3RVER/S3RVER) and rejects every other access
 * key. Services sign with their own S3_ACCESS_KEY, as they would against MinIO, so the
 * local server registers each unknown key on first sight. A local engine on 127.0.0.1
 * is no security boundary; production's bucket checks its credentials.
 */
function acceptAnyAccessKey(s3rverModule: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const account = require(path.join(s3rverModule, 'lib', 'models', 'account.js')) as AccountModule;
  const { registry, DUMMY_ACCOUNT } = account;
  const lookup = Map.prototype.get;
  registry.get = function get(this: Map<string, unknown>, key: string): unknown {
    if (!this.has(key)) DUMMY_ACCOUNT.createKeyPair(key, `unused-${key}`);
    return lookup.call(this, key);
  };
}
