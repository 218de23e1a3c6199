import { spawn, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect, createServer } from 'node:net';
import { resolve } from 'node:path';
import { waitFor } from '@support-center/testing';

interface Gated {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startGated(env: Record<string, string>): Gated {
  const child = spawn(process.execPath, [resolve(__dirname, 'fixtures/gated-service.js')], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

/** A port nothing listens on: the test must tell "not open yet" from "another process". */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** What a TCP connection to the port finds: the gateway's view of a replica. */
function connect(port: number): Promise<'open' | 'refused'> {
  return new Promise((done) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done('open');
    });
    socket.once('error', () => done('refused'));
  });
}

const checks = (gated: Gated) => gated.output().split('gate checked').length - 1;

describe('LISTEN_WHEN_READY', () => {
  it('keeps the port closed while a required dependency is down, opens it once it is up', async () => {
    const port = await freePort();
    const gated = startGated({ PORT: String(port), LISTEN_WHEN_READY: 'true' });
    try {
      await waitFor(() => checks(gated) >= 3, { timeoutMs: 30_000, message: 'three readiness checks' });
      expect(await connect(port)).toBe('refused');
      expect(gated.output()).not.toContain('listening');

      gated.child.stdin?.write('up\n');
      await waitFor(() => gated.output().includes(`listening ${port}`), {
        timeoutMs: 20_000,
        message: 'the port to open',
      });
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(ready.status).toBe(200);
    } finally {
      gated.child.kill('SIGTERM');
    }
    await expect(gated.exited).resolves.toBe(0);
  });

  it('exits 0 on SIGTERM before it was ever ready, the port never opened', async () => {
    const port = await freePort();
    const gated = startGated({ PORT: String(port), LISTEN_WHEN_READY: 'true' });
    await waitFor(() => checks(gated) >= 1, { timeoutMs: 30_000, message: 'a readiness check' });
    gated.child.kill('SIGTERM');
    await expect(gated.exited).resolves.toBe(0);
    expect(gated.output()).not.toContain('listening');
  });

  it('is off by default: the port opens at once and /ready answers 503 naming the dependency', async () => {
    const gated = startGated({ PORT: '0' });
    try {
      await waitFor(() => /listening \d+/.test(gated.output()), {
        timeoutMs: 30_000,
        message: 'the service to listen',
      });
      const port = /listening (\d+)/.exec(gated.output())?.[1];
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        error: { code: 'NOT_READY', message: 'Unavailable: gate' },
      });
    } finally {
      gated.child.kill('SIGTERM');
    }
    await expect(gated.exited).resolves.toBe(0);
  });
});
