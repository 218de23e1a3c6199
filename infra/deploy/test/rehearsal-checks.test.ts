import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@support-center/testing';
import { Report } from '../../load/src/report';
import { repoPath } from './support/repo';

/**
 * The parts of `npm run rehearse` that decide a check's verdict without Docker: reading the
 * load's report, finding an alert notification, matching stored writes with published events,
 * following a runbook link, and the alert receiver itself. The rehearsal runs them against the
 * real stack; here they meet known inputs, so a wrong verdict cannot hide behind a green run.
 */
const CHECKS = repoPath('infra/images/checks');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rehearsal-checks-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const node = (script: string, args: string[], input?: string) =>
  spawnSync('node', [join(CHECKS, script), ...args], { input, encoding: 'utf8' });

describe('load.sh reads the load generator’s own report', () => {
  const loadSh = (call: string) =>
    execFileSync('bash', ['-c', `source "${join(CHECKS, 'load.sh')}"; ${call}`], { encoding: 'utf8' }).trim();

  it('counts unexpected answers and errors, overall and of the actions named', () => {
    const report = new Report();
    for (let i = 0; i < 7; i += 1) report.record('create ticket', true, 10);
    report.record('create ticket', false, 10);
    report.record('list tickets', true, 5);
    report.record('list tickets', 'error', 5);
    report.record('list tickets', 'error', 5);
    for (let i = 0; i < 3; i += 1) report.record('chat message', true, 20);
    const file = join(dir, 'load.txt');
    writeFileSync(file, `progress line\n${report.summary(60)}`);

    expect(loadSh(`load_total "${file}"`)).toBe('14');
    expect(loadSh(`load_failed "${file}"`)).toBe('3');
    expect(loadSh(`load_failed "${file}" 'list tickets' 'missing ticket'`)).toBe('2');
    expect(loadSh(`load_count "${file}" 3 'create ticket'`)).toBe('7');
    expect(loadSh(`load_count "${file}" 3 comment`)).toBe('0');
  });
});

describe('find-notification.js', () => {
  const since = Date.parse('2026-01-01T10:00:00Z') / 1000;
  const notification = (receivedAt: string, status: string, service: string) =>
    JSON.stringify({
      receivedAt,
      payload: {
        status,
        alerts: [
          {
            status,
            labels: { alertname: 'BackendServiceDown', severity: 'critical', service },
            annotations: { runbook_url: 'http://docs/runbooks.md#backendservicedown' },
          },
        ],
      },
    });

  it('finds the first matching notification after the moment, with its delay, severity and runbook', () => {
    const file = join(dir, 'alerts.jsonl');
    writeFileSync(
      file,
      [
        notification('2026-01-01T09:59:00Z', 'firing', 'realtime'), // before the moment
        notification('2026-01-01T10:01:00Z', 'firing', 'ticket'), // another service
        notification('2026-01-01T10:02:30Z', 'resolved', 'realtime'), // another status
        notification('2026-01-01T10:03:10Z', 'firing', 'realtime'),
        '',
      ].join('\n'),
    );
    const found = node('find-notification.js', [
      file,
      'BackendServiceDown',
      'realtime',
      'firing',
      String(since),
    ]);
    expect(found.status).toBe(0);
    expect(found.stdout).toBe('190 critical http://docs/runbooks.md#backendservicedown\n');
    const resolved = node('find-notification.js', [
      file,
      'BackendServiceDown',
      'realtime',
      'resolved',
      String(since),
    ]);
    expect(resolved.stdout).toBe('150 critical http://docs/runbooks.md#backendservicedown\n');
  });

  it('fails when none came, or when the receiver wrote nothing yet', () => {
    const file = join(dir, 'alerts.jsonl');
    expect(
      node('find-notification.js', [file, 'BackendServiceDown', 'realtime', 'firing', String(since)]).status,
    ).toBe(1);
    writeFileSync(file, `${notification('2026-01-01T10:01:00Z', 'firing', 'ticket')}\n`);
    expect(
      node('find-notification.js', [file, 'BackendServiceDown', 'realtime', 'firing', String(since)]).status,
    ).toBe(1);
  });
});

describe('match-events.js', () => {
  it('counts the stored writes whose event is on the topic, ignoring other events and log lines', () => {
    const stored = join(dir, 'writes.json');
    writeFileSync(stored, JSON.stringify({ tickets: ['t1', 't2', 't3'], comments: ['c1', 'c2'] }));
    const messages = [
      '[2026-01-01 10:00:00,000] WARN a log line of the consumer',
      JSON.stringify({ type: 'ticket.created', subject: 't1', data: {} }),
      JSON.stringify({ type: 'ticket.created', subject: 't1', data: {} }), // a duplicate counts once
      JSON.stringify({ type: 'ticket.created', subject: 't3', data: {} }),
      JSON.stringify({ type: 'ticket.assigned', subject: 't2', data: {} }),
      JSON.stringify({ type: 'ticket.commented', subject: 't1', data: { commentId: 'c2' } }),
      JSON.stringify({ type: 'ticket.commented', subject: 't9', data: { commentId: 'c9' } }),
    ].join('\n');
    const matched = node('match-events.js', [stored], messages);
    expect(matched.stdout).toBe('3 2 2 1\n');
  });
});

describe('alert-receiver.js and runbook-anchor.js', () => {
  let receiver: ChildProcess;
  let base: string;

  beforeEach(async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    base = `http://127.0.0.1:${port}`;
    receiver = spawn(
      'node',
      [join(CHECKS, 'alert-receiver.js'), String(port), join(dir, 'alerts.jsonl'), repoPath('docs')],
      {
        stdio: 'ignore',
      },
    );
    await waitFor(async () => (await fetch(`${base}/health`)).ok, { timeoutMs: 10_000, ignoreErrors: true });
  });
  afterEach(() => receiver.kill('SIGTERM'));

  it('writes each posted notification as one line with the time it arrived', async () => {
    const payload = { receiver: 'on-call', status: 'firing', alerts: [] };
    expect((await fetch(base, { method: 'POST', body: JSON.stringify(payload) })).status).toBe(200);
    expect((await fetch(base, { method: 'POST', body: 'not json' })).status).toBe(400);
    const lines = readFileSync(join(dir, 'alerts.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { receivedAt: string; payload: unknown };
    expect(line.payload).toEqual(payload);
    expect(Number.isNaN(Date.parse(line.receivedAt))).toBe(false);
  });

  it('serves docs/ only, so a runbook link is followed to its heading', async () => {
    const follow = (url: string) =>
      new Promise<{ code: number | null; out: string }>((done) => {
        const child = spawn('node', [join(CHECKS, 'runbook-anchor.js'), url]);
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('close', (code) => done({ code, out }));
      });
    expect(await follow(`${base}/docs/runbooks.md#backendservicedown`)).toEqual({
      code: 0,
      out: '200 anchor found\n',
    });
    expect(await follow(`${base}/docs/runbooks.md#no-such-alert`)).toEqual({
      code: 1,
      out: '200 no such anchor\n',
    });
    expect((await follow(`${base}/docs/missing.md#backendservicedown`)).code).toBe(1);
    expect((await fetch(`${base}/docs/..%2fpackage.json`)).status).toBe(404);
  });
});

describe('images.sh --service', () => {
  const images = (...args: string[]) =>
    spawnSync('bash', [repoPath('infra/images/images.sh'), '--offline', ...args], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent.sock' },
    });

  it('refuses an unknown service or a version that is no Docker tag, before any build', () => {
    expect(images('--service', 'billing', '--version', '1.0.0').stderr).toMatch(
      /--service is one of auth, ticket, file, realtime/,
    );
    expect(images('--service', 'ticket', '--version', 'no tag!').stderr).toMatch(/--version is a Docker tag/);
    expect(images('--service', 'ticket').status).not.toBe(0);
  });
});
