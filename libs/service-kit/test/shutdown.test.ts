import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { waitFor } from '@support-center/testing';

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    request(url, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    })
      .on('error', fail)
      .end();
  });
}

describe('graceful shutdown', () => {
  it('lets a request in flight at SIGTERM complete, refuses new ones, and exits 0', async () => {
    const child = spawn(process.execPath, [resolve(__dirname, 'fixtures/slow-service.js')], {
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

    await waitFor(() => /listening (\d+)/.test(stdout), {
      timeoutMs: 30_000,
      message: 'the service to listen',
    });
    const port = /listening (\d+)/.exec(stdout)?.[1];
    const inFlight = get(`http://127.0.0.1:${port}/slow?ms=1500`);
    await waitFor(() => stdout.includes('slow request started'), {
      timeoutMs: 20_000,
      message: 'the slow request',
    });

    child.kill('SIGTERM');
    await waitFor(
      async () => (await get(`http://127.0.0.1:${port}/health`).catch(() => 'refused')) === 'refused',
      { timeoutMs: 20_000, message: 'the server to stop accepting' },
    );

    await expect(inFlight).resolves.toEqual({ status: 200, body: '{"finished":true}' });
    await expect(exited).resolves.toBe(0);
  });

  it.each(['worker', 'client'])(
    'exits non-zero at SHUTDOWN_TIMEOUT_MS naming the %s whose stop never resolves',
    async (hang) => {
      const child = spawn(process.execPath, [resolve(__dirname, 'fixtures/hanging-service.js')], {
        env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '1000', HANG: hang },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      // Only a hung test ever needs this: the deadline under test is 1 s.
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);

      await waitFor(() => /listening \d+/.test(output), {
        timeoutMs: 30_000,
        message: 'the service to listen',
      });
      child.kill('SIGTERM');
      const code = await exited;
      clearTimeout(killer);

      expect(code).toBe(1);
      const deadline = output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; waitingFor?: string[] })
        .find((entry) => entry.msg.includes('shutdown deadline'));
      expect(deadline?.waitingFor).toEqual([`stuck ${hang}`]);
    },
  );
});
