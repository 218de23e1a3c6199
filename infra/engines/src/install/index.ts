import { cacheDir, enginePaths } from '../paths';
import { ferretdbStep } from './ferretdb';
import { kafkaStep } from './kafka';
import { s3Step } from './s3';
import { stampMatches, writeStamp } from './stamp';
import type { InstallContext } from './step';
import { requireTools } from './toolchain';

export interface InstallOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface InstallResult {
  installed: string[];
  upToDate: string[];
}

/**
 * Fetches or builds whatever engine is missing or stale. Java is checked every time
 * (Kafka cannot run without it); mvn, go and npm only when their step has to run.
 */
export async function install(options: InstallOptions = {}): Promise<InstallResult> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(line));
  const cache = cacheDir(env);
  const context: InstallContext = { cache, paths: enginePaths(cache), env, log };

  const steps = [kafkaStep(context), ferretdbStep(context), s3Step(context)];
  const pending = steps
    .map((step) => ({ step, digest: step.digest() }))
    .filter(({ step, digest }) => !stampMatches(step.stampFile, digest, step.outputs));

  requireTools(['java', ...pending.flatMap(({ step }) => step.tools)], env);

  for (const { step, digest } of pending) {
    log(`install: ${step.name}…`);
    await step.run({ ...context, log: (line) => log(`  ${step.name} | ${line}`) });
    writeStamp(step.stampFile, digest);
  }
  const installed = pending.map(({ step }) => step.name);
  const upToDate = steps.map((step) => step.name).filter((name) => !installed.includes(name));
  return { installed, upToDate };
}
