import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { waitFor } from '@support-center/testing';

/** Two requests at once: the fixture answers both when the second reaches the handler. */
async function shapes(port: string): Promise<{ request: boolean; response: boolean }> {
  const url = `http://127.0.0.1:${port}/shape`;
  const [first] = await Promise.all([fetch(url), fetch(url)]);
  return (await first.json()) as { request: boolean; response: boolean };
}

describe('requestClasses', () => {
  let child: ChildProcess;
  let ports: string[] = [];

  beforeAll(async () => {
    child = spawn(
      process.execPath,
      ['--allow-natives-syntax', resolve(__dirname, 'fixtures/shapes-service.js')],
      {
        env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    ports = await waitFor(() => /listening (\d+) (\d+)/.exec(stdout)?.slice(1), {
      timeoutMs: 30_000,
      message: 'the service to listen',
    });
  });

  afterAll(() => {
    child.kill();
  });

  it('gives concurrent requests and responses one hidden class on the kit server', async () => {
    const [kit = ''] = ports;
    // The first requests settle field representations; shapes are compared once they have.
    for (let i = 0; i < 5; i += 1) await shapes(kit);
    await expect(shapes(kit)).resolves.toEqual({ request: true, response: true });
  });

  it('is needed: a plain server of the same app gives every request a hidden class of its own', async () => {
    const [, plain = ''] = ports;
    for (let i = 0; i < 5; i += 1) await shapes(plain);
    await expect(shapes(plain)).resolves.toEqual({ request: false, response: false });
  });
});
