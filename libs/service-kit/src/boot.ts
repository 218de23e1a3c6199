import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError, startTelemetry, type Telemetry } from '@support-center/telemetry';

export interface BootOptions {
  name: string;
  /** The service package's folder, where its package.json (and version) is. */
  packageDir: string;
  /** Loads and starts the service; imported only after telemetry has started. */
  load: () => Promise<{ start(telemetry: Telemetry): Promise<unknown> }>;
}

/**
 * A service's entry point. Telemetry starts before the service's modules load — express, http
 * and kafkajs can be instrumented only if they load after it — which is why this module is
 * apart from the kit's index and imports nothing else of it.
 */
export function bootService({ name, packageDir, load }: BootOptions): void {
  keepRunningOnUnhandledRejection(name);
  const run = async () => {
    const telemetry = startTelemetry({ serviceName: name, serviceVersion: packageVersion(packageDir) });
    const service = await load();
    await service.start(telemetry);
  };
  run().catch((error: unknown) => {
    // Configuration errors already name every bad variable; a stack trace would only bury them.
    const detail = error instanceof ConfigurationError ? error.message : (error as Error)?.stack;
    process.stderr.write(`${name} failed to start: ${detail ?? String(error)}\n`);
    process.exit(1);
  });
}

/** The version in the package.json of `packageDir`: what telemetry and the OpenAPI documents report. */
export function packageVersion(packageDir: string): string {
  return (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The last resort, not the fix: every worker handles its own failures, and a promise nobody
 * awaits is a bug. Its rejection is logged loudly, as such, instead of ending a service that is
 * otherwise serving (Node's default).
 */
function keepRunningOnUnhandledRejection(name: string): void {
  process.on('unhandledRejection', (reason: unknown) => {
    const err =
      reason instanceof Error
        ? { type: reason.name, message: reason.message, stack: reason.stack }
        : { message: String(reason) };
    const line = {
      level: 'error',
      time: new Date().toISOString(),
      service: name,
      err,
      msg: 'unhandled promise rejection (a bug: report it); the process keeps running',
    };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  });
}
