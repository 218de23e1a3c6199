import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '@support-center/testing';

const MAIN = resolve(__dirname, '../dist/main.js');
const SERVICE_PORTS = [8001, 8002, 8003, 8004];
const ENGINE_PORTS = [9092, 27017, 9000];

function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => done(socket.destroy() && true));
    socket.once('error', () => done(false));
  });
}

/** Runs `npm run dev`'s runner until everything is ready, then stops it as Ctrl-C would. */
async function runOnce(dataDir: string, args: string[]) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, SUPPORT_DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  await waitFor(() => output.includes('Support Center is up:'), {
    timeoutMs: 150_000,
    message: `the stack:\n${output}`,
  });
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
  child.kill('SIGINT');
  expect(await exited).toBe(0);
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

  it('starts the engines and the four services, prefixes logs, and Ctrl-C stops everything', async () => {
    const output = await runOnce(dataDir, ['--fresh']);
    expect(output).toMatch(/^kafka\s+\| ready 127\.0\.0\.1:9092/m);
    expect(output).toMatch(/^ticket\s+\| \{.*"msg":"ticket listening"/m);
    for (const url of ['http://127.0.0.1:8001', 'http://127.0.0.1:8004', 'mongodb://127.0.0.1:27017']) {
      expect(output).toContain(url);
    }
    expect(output).toMatch(/password: \S{16} {2}\(generated/);
    for (const port of [...SERVICE_PORTS, ...ENGINE_PORTS]) expect(await listening(port)).toBe(false);
  });

  it('reuses the data of the previous run', async () => {
    const clusterId = () => readFileSync(join(dataDir, 'kafka', 'cluster.id'), 'utf8').trim();
    const before = clusterId();
    expect(before).toBeDefined();
    await runOnce(dataDir, []);
    expect(clusterId()).toBe(before);
  });
});
