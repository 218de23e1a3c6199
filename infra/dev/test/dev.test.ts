import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '@support-center/testing';

const ROOT = resolve(__dirname, '../../..');
const MAIN = resolve(__dirname, '../dist/main.js');
const SERVICE_PORTS = [8001, 8002, 8003, 8004];
const ENGINE_PORTS = [9092, 27017, 9000];

/**
 * A warning or an error, in any component's format: the services' JSON, FerretDB's and
 * Prometheus's logfmt, Kafka's log4j, npm's and the runner's own. A healthy start and stop prints
 * none of them (issue 28, item 17): each remaining one must say what to do, and then it is no
 * longer part of a healthy run.
 */
const WARNING = [
  /"level":"(warn|error|fatal)"/,
  /\blevel=(warn|error|WARN|ERROR)\b/,
  /\| \d\d:\d\d:\d\d\.\d{3} (WARN|ERROR) /,
  /^npm (warn|error|ERR)/i,
  /^dev: /,
];

function warnings(output: string): string[] {
  return output.split('\n').filter((line) => WARNING.some((pattern) => pattern.test(line)));
}

function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => done(socket.destroy() && true));
    socket.once('error', () => done(false));
  });
}

/** Every process below `pid`, now. */
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((row) => row.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of rows) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

/** Alive and not a zombie waiting for a parent that does not reap it. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

interface Launch {
  command: string;
  args: string[];
  /** How a user, a supervisor or an IDE stops it. */
  signal: NodeJS.Signals;
}

/** `npm run dev`'s runner itself, stopped as Ctrl-C in its terminal would. */
const runner = (args: string[]): Launch => ({
  command: process.execPath,
  args: [MAIN, ...args],
  signal: 'SIGINT',
});
/** `npm run dev` as typed, stopped by a signal to the npm process alone (a supervisor, an IDE). */
const npmRunDev = (args: string[]): Launch => ({
  command: 'npm',
  args: ['run', 'dev', ...(args.length ? ['--', ...args] : [])],
  signal: 'SIGTERM',
});

/** Runs the stack until everything is ready, then stops it; nothing it started may outlive it. */
async function runOnce(dataDir: string, { command, args, signal }: Launch) {
  // The stack runs on engines of its own: not the test harness's, which the environment names.
  const { KAFKA_BROKERS: _kafka, MONGO_URL: _mongo, S3_ENDPOINT: _s3, ...env } = process.env;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...env, SUPPORT_DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`it exited with ${child.exitCode}:\n${output}`);
      return output.includes('Support Center is up:');
    },
    { timeoutMs: 280_000, message: 'the stack to be up' },
  );
  for (const port of SERVICE_PORTS) {
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
  }
  // Every demo account logs in with the password the run printed.
  const password = readFileSync(join(dataDir, 'dev', 'demo-password'), 'utf8').trim();
  for (const username of ['admin', 'agent', 'employee', 'employee2']) {
    const login = await fetch('http://127.0.0.1:8002/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect({ username, status: login.status }).toEqual({ username, status: 200 });
  }
  const started = descendants(child.pid!);
  expect(started.length).toBeGreaterThan(5);
  child.kill(signal);
  expect(await exited).toBe(0);
  expect(started.filter(alive)).toEqual([]);
  for (const port of [...SERVICE_PORTS, ...ENGINE_PORTS]) expect(await listening(port)).toBe(false);
  expect(warnings(output)).toEqual([]);
  return output;
}

describe('npm run dev', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'support-dev-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  beforeAll(async () => {
    const busy = [];
    for (const port of [...SERVICE_PORTS, ...ENGINE_PORTS]) if (await listening(port)) busy.push(port);
    if (busy.length > 0)
      throw new Error(`the standard ports ${busy.join(', ')} are in use: stop the running stack first`);
  });

  it('starts the engines and the four services, prefixes logs, warns of nothing, and Ctrl-C stops everything', async () => {
    const output = await runOnce(dataDir, runner(['--fresh']));
    expect(output).toMatch(/^kafka\s+\| ready 127\.0\.0\.1:9092/m);
    expect(output).toMatch(/^ticket\s+\| \{.*"msg":"ticket listening"/m);
    for (const url of ['http://127.0.0.1:8001', 'http://127.0.0.1:8004', 'mongodb://127.0.0.1:27017']) {
      expect(output).toContain(url);
    }
    expect(output).toMatch(/password: \S{16} {2}\(generated/);
  }, 400_000);

  it('npm run dev reuses the data of the previous run, warns of nothing, and SIGTERM to npm stops everything', async () => {
    const clusterId = () => readFileSync(join(dataDir, 'kafka', 'cluster.id'), 'utf8').trim();
    const before = clusterId();
    expect(before).toBeDefined();
    const output = await runOnce(dataDir, npmRunDev([]));
    expect(clusterId()).toBe(before);
    // The demo accounts exist already: they are found, not created again and refused.
    expect(output).not.toMatch(/"status":409/);
  }, 400_000);
});
