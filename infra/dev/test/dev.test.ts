import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, waitFor } from '@support-center/testing';
import { createSupportClient } from '@support-center/client';
import { ticketLife } from './ticket-life';

const ROOT = resolve(__dirname, '../../..');
const MAIN = resolve(__dirname, '../dist/main.js');
const SERVICE_PORTS = [8001, 8002, 8003, 8004];
const ENGINE_PORTS = [9092, 27017, 9000];
const GATEWAY_PORT = 8000;

/**
 * A warning or an error, in any component's format: the services' JSON, FerretDB's and
 * Prometheus's logfmt, Kafka's log4j, nginx's, npm's and the runner's own. A healthy start and stop prints
 * none of them (issue 28, item 17): each remaining one must say what to do, and then it is no
 * longer part of a healthy run.
 */
const WARNING = [
  /"level":"(warn|error|fatal)"/,
  /\blevel=(warn|error|WARN|ERROR)\b/,
  /\| \d\d:\d\d:\d\d\.\d{3} (WARN|ERROR) /,
  /^npm (warn|error|ERR)/i,
  // nginx's error log: `2026/12/05 12:00:00 [error] 12#12: *3 connect() failed …`
  /\[(warn|error|crit|alert|emerg)\] \d+#\d+:/,
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

interface RunningStack {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** The demo accounts' password, as the run printed it. */
  password: string;
  gateway: string;
  /** How it is stopped: as Ctrl-C in its terminal, or a supervisor's signal to npm. */
  signal: NodeJS.Signals;
}

/** Runs the stack until everything is ready; every service answers /ready. */
async function startStack(
  dataDir: string,
  { command, args, signal }: Launch,
  extraEnv: Record<string, string> = {},
): Promise<RunningStack> {
  // The stack runs on engines of its own: not the test harness's, which the environment names.
  const {
    KAFKA_BROKERS: _kafka,
    MONGO_URL: _mongo,
    S3_ENDPOINT: _s3,
    GATEWAY_PORT: _port,
    ...env
  } = process.env;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...env, SUPPORT_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  try {
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`it exited with ${child.exitCode}`);
        return output.includes('Support Center is up:');
      },
      { timeoutMs: 280_000, message: 'the stack to be up' },
    );
  } catch (error) {
    // Nothing it started may outlive a failed start either.
    child.kill(signal);
    await exited;
    throw new Error(`${error instanceof Error ? error.message : String(error)}:\n${output}`, {
      cause: error,
    });
  }
  for (const port of SERVICE_PORTS) {
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
  }
  const password = readFileSync(join(dataDir, 'dev', 'demo-password'), 'utf8').trim();
  const gateway = `http://127.0.0.1:${extraEnv.GATEWAY_PORT ?? GATEWAY_PORT}`;
  return { child, output: () => output, exited, password, gateway, signal };
}

/** Stops the stack as its user or supervisor would; nothing it started may outlive it. */
async function stopStack(stack: RunningStack, ports: number[]): Promise<string> {
  const started = descendants(stack.child.pid!);
  expect(started.length).toBeGreaterThan(5);
  stack.child.kill(stack.signal);
  expect(await stack.exited).toBe(0);
  expect(started.filter(alive)).toEqual([]);
  for (const port of [...SERVICE_PORTS, ...ENGINE_PORTS, ...ports]) expect(await listening(port)).toBe(false);
  expect(warnings(stack.output())).toEqual([]);
  return stack.output();
}

/** Every demo account logs in, through the gateway, with the password the run printed. */
async function demoLogins(stack: RunningStack): Promise<Record<string, string>> {
  const client = createSupportClient({ baseUrl: stack.gateway });
  const tokens: Record<string, string> = {};
  for (const username of ['admin', 'agent', 'employee', 'employee2']) {
    const { data, response } = await client.auth.POST('/api/v1/auth/login', {
      body: { username, password: stack.password },
    });
    expect({ username, status: response.status }).toEqual({ username, status: 200 });
    tokens[username] = data!.accessToken;
  }
  return tokens;
}

describe('npm run dev', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'support-dev-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  beforeAll(async () => {
    const busy = [];
    for (const port of [...SERVICE_PORTS, ...ENGINE_PORTS, GATEWAY_PORT])
      if (await listening(port)) busy.push(port);
    if (busy.length > 0)
      throw new Error(`the standard ports ${busy.join(', ')} are in use: stop the running stack first`);
  });

  describe('a fresh start, stopped with Ctrl-C', () => {
    let stack: RunningStack;
    let tokens: Record<string, string>;
    beforeAll(async () => {
      stack = await startStack(dataDir, runner(['--fresh']));
      tokens = await demoLogins(stack);
    }, 300_000);
    afterAll(() => {
      // A failed test must not leave the stack running.
      if (stack?.child.exitCode === null) stack.child.kill('SIGINT');
    });

    it('starts the engines, the four services and the gateway, and prefixes logs', () => {
      const output = stack.output();
      expect(output).toMatch(/^kafka\s+\| ready 127\.0\.0\.1:9092/m);
      expect(output).toMatch(/^ticket\s+\| \{.*"msg":"ticket listening"/m);
      for (const url of [
        'http://localhost:8000',
        'http://127.0.0.1:8001',
        'http://127.0.0.1:8004',
        'mongodb://127.0.0.1:27017',
      ]) {
        expect(output).toContain(url);
      }
      expect(output).toMatch(/password: \S{16} {2}\(generated/);
    });

    it('serves one origin on :8000: its /health, every API description, and CORS for a local frontend', async () => {
      const health = await fetch(`${stack.gateway}/health`);
      expect({ status: health.status, body: await health.json() }).toEqual({
        status: 200,
        body: { status: 'ok' },
      });
      // Each service's own OpenAPI document, under its own public path.
      const someRoute: [string, string][] = [
        ['auth', '/api/v1/auth/login'],
        ['ticket', '/api/v1/tickets'],
        ['file', '/api/v1/files'],
        ['realtime', '/api/v1/notifications'],
      ];
      for (const [service, path] of someRoute) {
        const response = await fetch(`${stack.gateway}/api/v1/openapi/${service}.json`);
        const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
        expect({
          service,
          status: response.status,
          openapi: document.openapi,
          routed: path in document.paths,
        }).toEqual({
          service,
          status: 200,
          openapi: expect.stringMatching(/^3\.1\./),
          routed: true,
        });
      }
      expect((await fetch(`${stack.gateway}/api/v1/asyncapi.json`)).status).toBe(200);
      // npm run dev sets NODE_ENV=development: a frontend's dev server on another port may call the API.
      const preflight = await fetch(`${stack.gateway}/api/v1/tickets`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'http://localhost:5173',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,content-type',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    });

    it("drives one ticket's whole life through the gateway with the typed client only", async () => {
      await ticketLife(stack.gateway, tokens);
    }, 120_000);

    it('warns of nothing, and Ctrl-C stops everything', async () => {
      await stopStack(stack, [GATEWAY_PORT]);
    }, 60_000);
  });

  it('a stack not ready within DEV_READY_TIMEOUT_MS stops everything it started and exits 1, naming the component', async () => {
    const { KAFKA_BROKERS: _k, MONGO_URL: _m, S3_ENDPOINT: _s, GATEWAY_PORT: _p, ...env } = process.env;
    const child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: { ...env, SUPPORT_DATA_DIR: dataDir, DEV_READY_TIMEOUT_MS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const started = new Set<number>();
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    // Whatever it started, seen while it runs, must be gone once it has exited.
    const watch = setInterval(() => descendants(child.pid!).forEach((pid) => started.add(pid)), 100);
    const code = await exited;
    clearInterval(watch);
    expect({ code, output }).toEqual({
      code: 1,
      output: expect.stringMatching(/dev: (ticket|auth|file|realtime|gateway) was not ready within 0.001 s/),
    });
    expect(output).not.toContain('a component stopped before everything was ready');
    expect(started.size).toBeGreaterThan(0);
    expect([...started].filter(alive)).toEqual([]);
    for (const port of [...SERVICE_PORTS, ...ENGINE_PORTS, GATEWAY_PORT])
      expect(await listening(port)).toBe(false);
  }, 300_000);

  it('npm run dev reuses the data of the previous run, serves the gateway on GATEWAY_PORT, warns of nothing, and SIGTERM to npm stops everything', async () => {
    const clusterId = () => readFileSync(join(dataDir, 'kafka', 'cluster.id'), 'utf8').trim();
    const before = clusterId();
    expect(before).toBeDefined();
    const port = await freePort();
    const stack = await startStack(dataDir, npmRunDev([]), { GATEWAY_PORT: String(port) });
    await demoLogins(stack);
    expect(stack.output()).toContain(`http://localhost:${port}`);
    const output = await stopStack(stack, [port]);
    expect(clusterId()).toBe(before);
    // The demo accounts exist already: they are found, not created again and refused.
    expect(output).not.toMatch(/"status":409/);
  }, 400_000);
});
