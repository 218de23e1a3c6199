import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { enginePaths, startEngine, type EngineName, type EngineProcess } from '@support-center/engines';
import { ENGINE_ENV } from './env';
import { HarnessError } from './errors';

/**
 * What this process started. Kept on globalThis because jest loads the setup and the
 * teardown modules separately (and, with `projects`, may call the setup more than once
 * in the same parent process): the state must outlive any one module instance.
 */
interface HarnessState {
  starting?: Promise<void>;
  engines: EngineProcess[];
  envSet: string[];
  tempDir?: string;
}

const STATE_KEY = Symbol.for('@support-center/testing/engines');

function state(): HarnessState {
  const holder = globalThis as unknown as Record<symbol, HarnessState | undefined>;
  return (holder[STATE_KEY] ??= { engines: [], envSet: [] });
}

/** Fails fast, with the command to run, when the engine cache is empty. */
function assertInstalled(names: readonly EngineName[]): void {
  const paths = enginePaths();
  const required: Record<EngineName, string> = {
    kafka: paths.kafkaLibs,
    mongo: paths.ferretdbBinary,
    s3: path.join(paths.s3rverModule, 'package.json'),
  };
  const missing = names.filter((name) => !fs.existsSync(required[name]));
  if (missing.length > 0) {
    throw new HarnessError(
      'ENGINES_NOT_INSTALLED',
      `engines not installed (${missing.join(', ')}): run \`npm run engines -- install\` once, ` +
        `or set ${missing.map((name) => ENGINE_ENV[name]).join(' / ')} to running engines`,
    );
  }
}

/**
 * Starts, on free ports, every engine whose variable is not set yet, and sets it for
 * the test workers (they inherit this process's environment). Idempotent.
 */
export function startHarnessEngines(): Promise<void> {
  const current = state();
  current.starting ??= start(current);
  return current.starting;
}

async function start(current: HarnessState): Promise<void> {
  const names = (Object.keys(ENGINE_ENV) as EngineName[]).filter((name) => !process.env[ENGINE_ENV[name]]);
  if (names.length === 0) return;
  assertInstalled(names);

  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'support-center-engines-'));
  current.tempDir = tempDir;
  const results = await Promise.allSettled(
    names.map((name) => startEngine(name, { dataDir: path.join(tempDir, name) })),
  );
  for (const result of results) if (result.status === 'fulfilled') current.engines.push(result.value);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await stopHarnessEngines();
    throw failed.reason;
  }
  for (const engine of current.engines) {
    const variable = ENGINE_ENV[engine.name];
    process.env[variable] = engine.url;
    current.envSet.push(variable);
  }
}

/** Stops what `startHarnessEngines` started (once) and forgets it. */
export async function stopHarnessEngines(): Promise<void> {
  const current = state();
  const { engines, envSet, tempDir } = current;
  current.engines = [];
  current.envSet = [];
  current.tempDir = undefined;
  current.starting = undefined;
  await Promise.all(engines.map((engine) => engine.stop()));
  for (const variable of envSet) delete process.env[variable];
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
}
