import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENGINE_NAMES, startEngine } from '@support-center/engines';
import type { Row } from './stats';

const TARGET_MS = 20_000;

/** Runner start to `ready`, on an empty data dir (Kafka formats its storage first). */
export async function coldStart(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of ENGINE_NAMES) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
    const started = performance.now();
    const engine = await startEngine(name, { dataDir });
    const ms = performance.now() - started;
    await engine.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    rows.push({
      measure: `${name}: cold start to ready`,
      value: `${(ms / 1000).toFixed(1)} s`,
      target: '≤ 20 s',
      met: ms <= TARGET_MS,
    });
  }
  return rows;
}
