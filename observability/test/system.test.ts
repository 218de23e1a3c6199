import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { families } from '@support-center/telemetry';
import {
  getFreePort,
  serviceEnv,
  startServiceProcess,
  waitFor,
  type ServiceName,
  type ServiceProcess,
} from '@support-center/testing';
import { parse, stringify } from 'yaml';
import { buildDashboards } from '../src/dashboards';
import { alertRules, PROMETHEUS_DIR, prometheusCopy } from './support/config';
import { seriesNames, withGrafanaVariables } from './support/promql';

/**
 * The four services and a real Prometheus running prometheus.yml and the alert rules, scraping
 * every second. Business traffic (tickets, logins, uploads, WebSockets) waits for the services'
 * business endpoints; until then the HTTP, process and runtime families carry the checks.
 */
const SERVICES: ServiceName[] = ['ticket', 'auth', 'file', 'realtime'];
const COMMON_GROUPS = new Set(['http', 'process', 'runtime']);
const RATE_INTERVAL = '15s';

interface Series {
  metric: Record<string, string>;
  value?: [number, string];
}

describe('a real Prometheus with this configuration', () => {
  const token = randomBytes(16).toString('hex');
  const running = new Map<ServiceName, ServiceProcess>();
  let dir: string;
  let prometheus: ChildProcess | undefined;
  let prometheusUrl: string;
  let prometheusLog = '';
  let traffic: NodeJS.Timeout | undefined;

  async function api<T>(path: string): Promise<T> {
    const response = await fetch(`${prometheusUrl}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
    return body.data;
  }
  const query = async (expr: string) =>
    (await api<{ result: Series[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result;

  beforeAll(async () => {
    const started = await Promise.all(
      SERVICES.map((name) =>
        startServiceProcess(name, { ...serviceEnv(`system_${name}_${process.pid}`), METRICS_TOKEN: token }),
      ),
    );
    for (const service of started) running.set(service.name, service);

    // prometheus.yml as shipped, pointed at these processes: its file_sd targets rewritten, the
    // token in its secrets file, rules from the repository, and 1 s intervals.
    dir = prometheusCopy(token);
    const port = await getFreePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    for (const service of started) {
      writeFileSync(
        join(dir, 'targets', `${service.name}.json`),
        JSON.stringify([{ targets: [new URL(service.url).host] }]),
      );
    }
    writeFileSync(join(dir, 'targets', 'alertmanager.json'), '[]');
    const config = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8'));
    config.global = { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
    for (const job of config.scrape_configs) {
      delete job.dns_sd_configs; // the compose names mean nothing here
      if (job.job_name === 'prometheus') job.static_configs = [{ targets: [`127.0.0.1:${port}`] }];
    }
    delete config.alerting.alertmanagers[0].dns_sd_configs;
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    mkdirSync(join(dir, 'data'));

    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-lifecycle',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stderr?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    prometheus.once('error', (error) => (prometheusLog += `spawn failed: ${error.message}`));

    // Requests with and without bodies, matched and unmatched, all along the run.
    const send = () => {
      for (const service of running.values()) {
        void fetch(`${service.url}/health`).catch(() => undefined);
        void fetch(`${service.url}/nope`, {
          method: 'POST',
          body: '{"x":1}',
          headers: { 'Content-Type': 'application/json' },
        }).catch(() => undefined);
      }
    };
    send();
    traffic = setInterval(send, 200);

    await waitFor(
      async () => (await query('up{job=~"ticket|auth|file|realtime"} == 1').catch(() => [])).length === 4,
      { timeoutMs: 30_000, message: `all four jobs up in Prometheus\n${prometheusLog}` },
    );
    // Enough samples for rate() over RATE_INTERVAL.
    await new Promise((done) => setTimeout(done, 4_000));
  }, 120_000);

  afterAll(async () => {
    clearInterval(traffic);
    await Promise.all([...running.values()].map((service) => service.stop()));
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((done) => prometheus?.once('exit', done));
      prometheus.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes all four jobs, with the bearer token', async () => {
    const up = await query('up{job=~"ticket|auth|file|realtime"}');
    expect(up.map((s) => [s.metric.job, s.value?.[1]]).sort()).toEqual(
      SERVICES.map((name) => [name, '1']).sort(),
    );
  });

  it.each(SERVICES)("has every common family under job %s with the catalog's label names", async (job) => {
    const series = await api<Record<string, string>[]>(
      `/api/v1/series?match[]=${encodeURIComponent(`{job="${job}"}`)}&start=${Date.now() / 1000 - 60}`,
    );
    const labelsByName = new Map<string, Set<string>>();
    for (const labels of series) {
      const names = labelsByName.get(labels.__name__ as string) ?? new Set<string>();
      for (const label of Object.keys(labels)) names.add(label);
      labelsByName.set(labels.__name__ as string, names);
    }
    const declared = families as Record<string, { group: string; kind: string; labels: readonly string[] }>;
    for (const [name, family] of Object.entries(declared)) {
      if (!COMMON_GROUPS.has(family.group)) continue;
      const exposed = family.kind === 'histogram' ? `${name}_bucket` : name;
      const labels = labelsByName.get(exposed);
      const expected = [...family.labels, ...(family.kind === 'histogram' ? ['le'] : [])].sort();
      expect({
        job,
        name,
        labels: labels && [...labels].filter((l) => !['__name__', 'job', 'instance'].includes(l)).sort(),
      }).toEqual({
        job,
        name,
        labels: expected,
      });
    }
  });

  it('loads every alert rule and evaluates it without errors', async () => {
    let rules: { name: string; health: string; lastError?: string }[] = [];
    await waitFor(
      async () => {
        const groups = (await api<{ groups: { rules: typeof rules }[] }>('/api/v1/rules')).groups;
        rules = groups.flatMap((group) => group.rules);
        return rules.length > 0 && rules.every((rule) => rule.health !== 'unknown');
      },
      { timeoutMs: 10_000, message: 'every rule evaluated once' },
    );
    expect(rules.map((rule) => rule.name).sort()).toEqual(
      alertRules()
        .map((rule) => rule.alert)
        .sort(),
    );
    expect(rules.filter((rule) => rule.health !== 'ok')).toEqual([]);
  });

  it('answers every dashboard query, with data for Overview and Runtime and wherever its series exist', async () => {
    const present = new Set(await api<string[]>('/api/v1/label/__name__/values'));
    const empty: string[] = [];
    for (const [name, dashboard] of Object.entries(buildDashboards())) {
      for (const panel of dashboard.panels ?? []) {
        for (const target of ('targets' in panel ? panel.targets : undefined) ?? []) {
          const expr = (target as { expr?: string }).expr as string;
          const result = await query(withGrafanaVariables(expr, RATE_INTERVAL));
          // ALERTS exists whenever some rule is pending; which states it holds depends on the run.
          const fed = seriesNames(expr).every((series) => present.has(series) && series !== 'ALERTS');
          if (result.length === 0 && (fed || name === 'overview' || name === 'runtime')) {
            empty.push(`${name} / ${panel.title}: ${expr}`);
          }
        }
      }
    }
    expect(empty).toEqual([]);
  });

  it('turns BackendServiceDown pending for a stopped service', async () => {
    await running.get('realtime')?.stop();
    await waitFor(
      async () =>
        (
          await query(
            'ALERTS{alertname="BackendServiceDown", alertstate="pending", job="realtime", severity="critical", service="realtime"}',
          )
        ).length === 1,
      { timeoutMs: 15_000, message: 'BackendServiceDown pending for realtime' },
    );
    expect(await query('ALERTS{alertname="BackendServiceDown", job!="realtime"}')).toEqual([]);
  });
});
