import { startHarnessEngines } from '../run-engines';

/** Jest global setup: one Kafka, one FerretDB and one S3 server for the whole run. */
export default async function globalSetup(): Promise<void> {
  await startHarnessEngines();
}
