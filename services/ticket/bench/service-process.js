// The built ticket service as a process on a free port, ready to measure; shared by the benches here.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { getFreePort, waitFor } = require('@support-center/testing');

async function startService(env) {
  const port = await getFreePort();
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'dist', 'main.js')], {
    env: { ...process.env, LOG_LEVEL: 'warn', WRITE_RATE_LIMIT: '0', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/ready`).catch(() => undefined))?.status === 200, {
    timeoutMs: 60_000,
    message: 'the ticket service to be ready',
  });
  return { url, stop: () => new Promise((done) => (child.once('exit', done), child.kill('SIGTERM'))) };
}

module.exports = { startService };
