import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadCompose, readRepoFile, REPO_ROOT, repoPath } from './support/repo';
import { accepts, freePort, until } from './support/servers';
import { requireTool, run } from './support/tools';

const ENTRYPOINT = 'observability/docker/entrypoint.sh';
const compose = loadCompose();

// A bcrypt hash of PASSWORD (cost 10), made as .env.example says; the servers check against it.
const PASSWORD = 'correct-horse-battery';
const PASSWORD_HASH = '$2b$10$t1/TCGYRCrQx73m7/PLXiOJ1dL.XF5lWR20DJPC1KcExQaLJSh76C';
const basic = (password: string) => `Basic ${Buffer.from(`monitoring:${password}`).toString('base64')}`;

/** Runs the containers' entry point with `env` and `true` as the server; returns where it wrote. */
function runEntrypoint(env: Record<string, string>): { dir: string; status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-monitoring-'));
  const result = run('/bin/sh', [repoPath(ENTRYPOINT), 'true'], REPO_ROOT, {
    RUNTIME_CONFIG_DIR: dir,
    ...env,
  });
  return { dir, status: result.status, stderr: result.stderr };
}

const credentials = { MONITORING_PASSWORD: PASSWORD, MONITORING_PASSWORD_HASH: PASSWORD_HASH };

describe('the entry point of Prometheus and Alertmanager', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const entrypoint = (env: Record<string, string>) => {
    const result = runEntrypoint(env);
    dirs.push(result.dir);
    return result;
  };

  it('writes a web config that promtool accepts, requiring user "monitoring" with the hash', () => {
    const { dir, status } = entrypoint({ ...credentials, METRICS_TOKEN: 'a-token-of-sixteen+' });
    expect(status).toBe(0);
    expect(parse(readFileSync(join(dir, 'web.yml'), 'utf8'))).toEqual({
      basic_auth_users: { monitoring: PASSWORD_HASH },
    });
    const check = run(
      requireTool('promtool', 'prometheus'),
      ['check', 'web-config', join(dir, 'web.yml')],
      dir,
    );
    expect(check.status).toBe(0);
    expect(readFileSync(join(dir, 'monitoring_password'), 'utf8')).toBe(PASSWORD);
    expect(readFileSync(join(dir, 'metrics_token'), 'utf8')).toBe('a-token-of-sixteen+');
  });

  it.each(['', 'plain-text-password', '{SHA}abc'])('refuses %j as the password hash', (hash) => {
    const { status, stderr } = entrypoint({ ...credentials, MONITORING_PASSWORD_HASH: hash });
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/MONITORING_PASSWORD_HASH/);
  });

  it.each([
    'http://alert-log:5001/',
    'https://hooks.example.com/services/T0/B0/x?channel=ops&priority=high',
    "https://hooks.example.com/it's|odd\\path",
  ])('renders alertmanager.yml with every receiver sending to %s, and amtool accepts it', (url) => {
    const { dir, status } = entrypoint({
      ...credentials,
      ALERT_WEBHOOK_URL: url,
      ALERTMANAGER_TEMPLATE: repoPath('observability/alertmanager/alertmanager.yml'),
    });
    expect(status).toBe(0);
    const rendered = join(dir, 'alertmanager.yml');
    const config = parse(readFileSync(rendered, 'utf8')) as {
      receivers: { name: string; webhook_configs: { url: string }[] }[];
    };
    const urls = config.receivers.flatMap((r) => r.webhook_configs.map((w) => w.url));
    expect(urls.length).toBeGreaterThan(0);
    expect(new Set(urls)).toEqual(new Set([url]));
    const check = run(requireTool('amtool', 'prometheus-alertmanager'), ['check-config', rendered], dir);
    expect(check.stdout).toContain('SUCCESS');
    expect(check.status).toBe(0);
  });

  it('refuses a webhook URL that is not http(s)', () => {
    const { status, stderr } = entrypoint({
      ...credentials,
      ALERT_WEBHOOK_URL: 'hooks.example.com/x',
      ALERTMANAGER_TEMPLATE: repoPath('observability/alertmanager/alertmanager.yml'),
    });
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/ALERT_WEBHOOK_URL/);
  });
});

describe('Prometheus started as docker-compose.prod.yml starts it (Debian prometheus)', () => {
  const RUNBOOK_BASE_URL = 'https://git.example.com/support-center/blob/main/docs';
  let dir: string;
  let url: string;
  let child: ChildProcess;
  let exited: Promise<void>;
  // The first alert rule: a probe rule copies its runbook annotation, to see it rendered.
  const [example] = (
    parse(readRepoFile('observability/prometheus/alerts/http.yml')) as {
      groups: { rules: { alert: string; annotations: { runbook_url: string } }[] }[];
    }
  ).groups[0]!.rules;

  beforeAll(async () => {
    const prometheus = requireTool('prometheus', 'prometheus');
    dir = mkdtempSync(join(tmpdir(), 'deploy-prometheus-'));
    cpSync(repoPath('observability/prometheus/prometheus.yml'), join(dir, 'prometheus.yml'));
    mkdirSync(join(dir, 'alerts'));
    writeFileSync(
      join(dir, 'alerts', 'probe.yml'),
      stringify({
        groups: [
          {
            name: 'probe',
            interval: '1s',
            rules: [{ alert: example!.alert, expr: 'vector(1)', annotations: example!.annotations }],
          },
        ],
      }),
    );
    mkdirSync(join(dir, 'secrets'));
    const written = run('/bin/sh', [repoPath(ENTRYPOINT), 'true'], REPO_ROOT, {
      RUNTIME_CONFIG_DIR: join(dir, 'secrets'),
      ...credentials,
    });
    expect(written.status).toBe(0);

    // The compose command, with the container's paths mapped into the temporary folder.
    const [, ...flags] = ([] as string[]).concat(compose.services.prometheus?.command ?? []);
    const port = await freePort();
    const args = [
      ...flags.map((flag) =>
        flag
          .replace('=/etc/prometheus/', `=${dir}/`)
          .replace(/^(--storage\.tsdb\.path=)\/prometheus$/, `$1${dir}/data`),
      ),
      `--web.listen-address=127.0.0.1:${port}`,
    ];
    const log = openSync(join(dir, 'prometheus.log'), 'w');
    child = spawn(prometheus, args, {
      stdio: ['ignore', log, log],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', RUNBOOK_BASE_URL },
    });
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    url = `http://127.0.0.1:${port}`;
    await until(
      async () => child.exitCode === null && (await accepts(port)),
      'Prometheus to listen',
      30_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${readFileSync(join(dir, 'prometheus.log'), 'utf8')}`);
    });
  }, 60_000);

  afterAll(async () => {
    if (child?.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['no credentials', undefined],
    ['a wrong password', basic('wrong-password')],
  ])('refuses every endpoint with %s', async (_what, authorization) => {
    for (const path of ['/-/healthy', '/-/ready', '/api/v1/query?query=up', '/metrics', '/graph']) {
      const response = await fetch(`${url}${path}`, { headers: authorization ? { authorization } : {} });
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
    }
  });

  it('answers the monitoring user', async () => {
    const response = await fetch(`${url}/-/healthy`, { headers: { authorization: basic(PASSWORD) } });
    expect(response.status).toBe(200);
  });

  it('keeps /-/quit and /-/reload closed even to the monitoring user', async () => {
    for (const path of ['/-/quit', '/-/reload']) {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: basic(PASSWORD) },
      });
      expect({ path, status: response.status }).toEqual({ path, status: 403 });
    }
    expect(child.exitCode).toBeNull();
  });

  it('links alerts to their runbook with an absolute URL built from RUNBOOK_BASE_URL', async () => {
    let runbook: string | undefined;
    await until(async () => {
      const response = await fetch(`${url}/api/v1/alerts`, { headers: { authorization: basic(PASSWORD) } });
      const body = (await response.json()) as {
        data: { alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] };
      };
      runbook = body.data.alerts.find((alert) => alert.labels.alertname === example!.alert)?.annotations
        .runbook_url;
      return runbook !== undefined;
    }, 'the probe alert');
    expect(runbook).toBe(`${RUNBOOK_BASE_URL}/runbooks.md#${example!.alert.toLowerCase()}`);
  });
});

describe('alert-log, the default receiver', () => {
  it('logs every alert of a notification, and stops on SIGTERM', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'deploy-alert-log-'));
    const out = join(dir, 'stdout');
    const child = spawn(process.execPath, [repoPath('observability/alertmanager/alert-log.js')], {
      stdio: ['ignore', openSync(out, 'w'), 'inherit'],
      env: { PORT: String(port) },
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until(() => accepts(port), 'alert-log to listen');
      const alert = (alertname: string, severity: string, service: string) => ({
        status: 'firing',
        labels: { alertname, severity, service, runbook_base_url: 'https://docs.example' },
        annotations: {
          summary: `${alertname} on ${service}`,
          runbook_url: `https://docs.example/runbooks.md#${alertname.toLowerCase()}`,
        },
      });
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          version: '4',
          receiver: 'on-call',
          status: 'firing',
          alerts: [
            alert('BackendServiceDown', 'critical', 'ticket'),
            alert('HighErrorRate', 'critical', 'file'),
          ],
        }),
      });
      expect(response.status).toBe(200);
      await until(async () => readFileSync(out, 'utf8').includes('HighErrorRate'), 'the logged alerts');
      const logged = readFileSync(out, 'utf8');
      expect(logged).toMatch(
        /FIRING critical BackendServiceDown \| receiver=on-call service=ticket \| BackendServiceDown on ticket \| runbook: https:\/\/docs\.example\/runbooks\.md#backendservicedown/,
      );
      expect(logged).toMatch(/FIRING critical HighErrorRate \| receiver=on-call service=file/);
      const bad = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{not json' });
      expect(bad.status).toBe(400);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
