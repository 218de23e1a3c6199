import { stopHarnessEngines } from '../run-engines';

/** Jest global teardown: stops only what the global setup of this process started. */
export default async function globalTeardown(): Promise<void> {
  await stopHarnessEngines();
}
