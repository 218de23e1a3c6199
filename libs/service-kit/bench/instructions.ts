import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { METRICS_OFF_AND_ON as VARIANTS, startBenchServer } from './bench-server';

/**
 * Instrumentation overhead counted in instructions: the overhead bench's server runs under
 * valgrind's callgrind, which counts what the server's main thread executes for a fixed number
 * of requests once it is warm. Time on this shared VM drifts by ±10 % between rounds; this count
 * moves by well under 1 %, so it can tell a change of 1 %. It does not see cache misses, nor the
 * GC and compiler threads, so it complements CPU time rather than replacing it. Needs valgrind.
 */
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 8000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 6000);
const run = promisify(execFile);

async function count(env: Record<string, string>, dir: string): Promise<number> {
  const { child, itemUrl } = await startBenchServer(env, [
    'valgrind',
    '--tool=callgrind',
    '--instr-atstart=no', // the start-up and warm-up are not counted
    '--smc-check=all-non-file', // V8 writes the code it runs
    '--separate-threads=yes',
    '--log-file=/dev/null',
    `--callgrind-out-file=${path.join(dir, 'server.%p')}`,
  ]);
  const exited = new Promise((done) => child.once('exit', done));
  try {
    const load = (amount: number) => autocannon({ url: itemUrl, connections: 4, amount, timeout: 60 });
    await load(WARM_UP);
    const pid = String(child.pid);
    await run('callgrind_control', ['--instr=on', pid]);
    await load(REQUESTS);
    await run('callgrind_control', ['--instr=off', pid]);
    await run('callgrind_control', ['--dump', pid]);
    // The first dump of thread 1, the event loop: `totals:` is its instruction count.
    const dump = fs.readFileSync(path.join(dir, `server.${pid}.1-01`), 'utf8');
    const totals = /^totals: (\d+)$/m.exec(dump)?.[1];
    if (!totals) throw new Error('callgrind wrote no totals');
    return Number(totals) / REQUESTS;
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'instructions-bench-'));
  try {
    const counts: number[] = [];
    for (const variant of VARIANTS) counts.push(await count(variant.env, dir));
    const base = counts[0] ?? Number.NaN;
    const lines = [
      `Instrumentation overhead in instructions: GET /api/v1/items/:id, the event loop thread, ${REQUESTS} requests after ${WARM_UP} (callgrind)`,
      '| variant | instructions per request | vs off |',
      '|---|---|---|',
      ...VARIANTS.map((v, i) => {
        const own = counts[i] ?? Number.NaN;
        const vsOff = ((own / base - 1) * 100).toFixed(1);
        return `| ${v.name} | ${Math.round(own).toLocaleString('en')} | ${own >= base ? '+' : ''}${vsOff} % |`;
      }),
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
