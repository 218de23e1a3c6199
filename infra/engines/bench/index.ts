import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEngine, startMongo } from '@support-center/engines';
import { coldStart } from './cold-start';
import { installUpToDate } from './install';
import { kafkaBench } from './kafka';
import { mongoBench } from './mongo';
import { printTable, type Row } from './stats';

/** `npm run bench -w infra/engines`: needs `support-engines install` and a build. */
async function main(): Promise<void> {
  const rows: Row[] = [];
  console.log(
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`,
  );
  rows.push(...installUpToDate());
  rows.push(...(await coldStart()));

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-engines-'));
  try {
    const kafka = await startEngine('kafka', { dataDir: path.join(work, 'kafka') });
    try {
      rows.push(...(await kafkaBench([kafka.url])));
    } finally {
      await kafka.stop();
    }
    const mongo = await startMongo({ port: 0, dataDir: path.join(work, 'mongo'), log: () => undefined });
    try {
      rows.push(...(await mongoBench(mongo.url, mongo.unguardedUrl)));
    } finally {
      await mongo.stop();
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  printTable(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
