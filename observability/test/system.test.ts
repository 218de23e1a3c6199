import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { families } from '@support-center/telemetry';
import {
  getFreePort,
  serviceEnv,
  startServiceProcess,
  testNamespace,
  waitFor,
  type ServiceName,
  type ServiceProcess,
} from '@support-center/testing';
import { parse, stringify } from 'yaml';
import { buildDashboards } from '../src/dashboards';
import { alertRules, PROMETHEUS_DIR, prometheusCopy } from './support/config';
import { allValues, variableQueries, withGrafanaVariables } from './support/promql';
import { Traffic } from './support/traffic';

/**
 * The four services and a real Prometheus running prometheus.yml and the alert rules, scraping
 * every second, after scripted traffic through every service (support/traffic.ts): logins (one
 * failed, one session ended), tickets created, read, assigned, commented and solved, a file
 * uploaded and downloaded, chat over /chat with a resync gap and a bad frame, /ws/notifications
 * clients, 404s, and a poison message on every consumed topic.
 */
const SERVICES: ServiceName[] = ['ticket', 'auth', 'file', 'realtime'];
const PASSWORD = 'system-test-password-1';
const ROUNDS = 3;
/** Between rounds: a scrape (1 s) sees each round's counts before the next round raises them. */
const ROUND_GAP_MS = 2_500;

/**
 * Service levels in seconds for the low priority: each round's low ticket, left open, breaches
 * its first-response target (about 1 s) and its resolution target (about 2 s) before the next
 * round, while the high one is assigned and solved well within its hour. The Service levels panels
 * then see breaches, overdue tickets, first responses and tickets solved within target.
 */
const SLA_POLICY = {
  SLA_FIRST_RESPONSE_HOURS: 'low:0.0003,medium:1,high:1,critical:1',
  SLA_RESOLUTION_HOURS: 'low:0.0006,medium:2,high:2,critical:2',
  SLA_CHECK_INTERVAL_MS: '250',
};

/** The catalog groups each service owns (docs/metrics.md; the services' READMEs, "Metrics"). */
const OWNED_GROUPS: Record<ServiceName, readonly string[]> = {
  ticket: ['http', 'health', 'process', 'runtime', 'kafka', 'mongodb', 'cache', 'ticket'],
  auth: ['http', 'health', 'process', 'runtime', 'kafka', 'mongodb', 'auth'],
  file: ['http', 'health', 'process', 'runtime', 'kafka', 'mongodb', 'file'],
  realtime: ['http', 'health', 'process', 'runtime', 'kafka', 'mongodb', 'realtime'],
};
/**
 * Families of an owned group that a service never records, and why. The test also checks that
 * they are absent, so this list cannot go stale.
 */
const NOT_RECORDED: Partial<Record<ServiceName, Record<string, string>>> = {
  auth: Object.fromEntries(
    [
      'events_consumed_total',
      'event_processing_duration_seconds',
      'kafka_consumer_lag',
      'events_dead_lettered_total',
    ].map((name) => [name, 'auth consumes no topic: it only publishes on auth']),
  ),
  realtime: {
    // services/realtime/test/parked-events.test.ts records it: the traffic here never sends an
    // event before its ticket, and its labels (event type, outcome) exist only once one is parked.
    realtime_parked_events_total: 'nothing is parked while events arrive in order',
  },
};

interface Series {
  metric: Record<string, string>;
  value?: [number, string];
}

interface Family {
  group: string;
  kind: string;
  labels: readonly string[];
}

/** Every query of every dashboard panel (rows included), with the panel it draws. */
function dashboardQueries() {
  const found: { dashboard: string; panel: string; expr: string; values: Record<string, string> }[] = [];
  for (const [name, dashboard] of Object.entries(buildDashboards())) {
    const values = allValues(dashboard);
    type Panel = { title?: string; targets?: unknown[]; panels?: Panel[] };
    const panels = (dashboard.panels ?? []) as Panel[];
    for (const panel of panels.flatMap((p) => [p, ...(p.panels ?? [])])) {
      for (const target of panel.targets ?? []) {
        const expr = (target as { expr?: string }).expr;
        if (expr) found.push({ dashboard: name, panel: panel.title ?? '', expr, values });
      }
    }
  }
  return found;
}

/** Alert panels that show pending alerts: only a stopped service makes one pending for sure. */
const showsPending = (expr: string) => expr.includes('alertstate="pending"');

describe('a real Prometheus with this configuration', () => {
  const ns = testNamespace('system');
  const token = randomBytes(16).toString('hex');
  const running = new Map<ServiceName, ServiceProcess>();
  const startedAt = Date.now();
  let dir: string;
  let prometheus: ChildProcess | undefined;
  let prometheusUrl: string;
  let prometheusLog = '';
  let background: NodeJS.Timeout | undefined;
  let traffic: Traffic | undefined;
  let trafficStartedAt = 0;

  async function api<T>(path: string): Promise<T> {
    const response = await fetch(`${prometheusUrl}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
    return body.data;
  }
  const query = async (expr: string) =>
    (await api<{ result: Series[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result;
  /**
   * In place of Grafana's $__rate_interval (a minute or more on these dashboards' 3 h range): a
   * window holding all the business traffic, so each rate and quantile sees every round.
   */
  const rateWindow = () => `${Math.ceil((Date.now() - trafficStartedAt) / 1000) + 5}s`;
  /** The queries of `items` that return no series, or only NaN (a rate of nothing). */
  async function withoutData(items: ReturnType<typeof dashboardQueries>): Promise<string[]> {
    const empty: string[] = [];
    for (const { dashboard, panel, expr, values } of items) {
      const substituted = withGrafanaVariables(expr, rateWindow(), values);
      const result = await query(substituted);
      if (!result.some((series) => series.value && series.value[1] !== 'NaN')) {
        empty.push(`${dashboard} / ${panel}: ${substituted} → ${JSON.stringify(result)}`);
      }
    }
    return empty;
  }

  beforeAll(async () => {
    const common = { KAFKA_TOPIC_PREFIX: ns.topicPrefix, WRITE_RATE_LIMIT: '0', METRICS_TOKEN: token };
    const auth = await startServiceProcess('auth', {
      ...serviceEnv(ns.database('auth')),
      ...common,
      AUTH_BOOTSTRAP_ADMIN_USERNAME: 'admin',
      AUTH_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
      AUTH_SESSION_GAUGE_INTERVAL_MS: '1000',
    });
    running.set('auth', auth);
    const withAuth = { ...common, AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json` };
    const others: [ServiceName, Record<string, string>][] = [
      ['ticket', { OPEN_TICKETS_GAUGE_INTERVAL_MS: '1000', ...SLA_POLICY }],
      ['file', {}],
      // Pings every second, so heartbeat round trips are measured during the run.
      ['realtime', { WS_HEARTBEAT_INTERVAL_MS: '1000' }],
    ];
    // One at a time: on a busy machine three cold starts at once overran the 20 s wait for /health,
    // and a start that fails must leave the ones before it in `running`, for afterAll to stop.
    for (const [name, env] of others)
      running.set(
        name,
        await startServiceProcess(name, { ...serviceEnv(ns.database(name)), ...withAuth, ...env }),
      );

    // prometheus.yml as shipped, pointed at these processes: its file_sd targets rewritten, the
    // token in its secrets file, rules from the repository, and 1 s intervals.
    dir = prometheusCopy(token);
    const port = await getFreePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    for (const service of running.values()) {
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
    background = setInterval(send, 200);

    await waitFor(
      async () => (await query('up{job=~"ticket|auth|file|realtime"} == 1').catch(() => [])).length === 4,
      { timeoutMs: 30_000, message: `all four jobs up in Prometheus\n${prometheusLog}` },
    );
    for (const service of running.values()) {
      await waitFor(async () => (await fetch(`${service.url}/ready`)).ok, {
        timeoutMs: 60_000,
        message: `${service.name} ready (its consumers running)`,
      });
    }

    const url = (name: ServiceName) => running.get(name)?.url as string;
    traffic = new Traffic(
      { auth: url('auth'), ticket: url('ticket'), file: url('file'), realtime: url('realtime') },
      PASSWORD,
      ns.topicPrefix,
    );
    await traffic.start('admin');
    trafficStartedAt = Date.now();
    for (let round = 1; round <= ROUNDS; round += 1) {
      if (round > 1) await new Promise((done) => setTimeout(done, ROUND_GAP_MS));
      await traffic.round(round);
    }
    await traffic.notified();

    // The last round scraped, the consumers' dead letters counted twice or more, so
    // EventsDeadLettered (no `for`) fires for every consuming service.
    await waitFor(
      async () =>
        (await query('ALERTS{alertname="EventsDeadLettered", alertstate="firing"}'))
          .map((series) => series.metric.job)
          .filter((job, i, all) => all.indexOf(job) === i).length === 3,
      { timeoutMs: 30_000, message: 'EventsDeadLettered firing for ticket, file and realtime' },
    );
    await new Promise((done) => setTimeout(done, 2_000));
  }, 180_000);

  afterAll(async () => {
    clearInterval(background);
    await traffic?.stop();
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

  it.each(SERVICES)("has every family job %s owns, with the catalog's label names", async (job) => {
    const series = await api<Record<string, string>[]>(
      `/api/v1/series?match[]=${encodeURIComponent(`{job="${job}"}`)}&start=${startedAt / 1000 - 10}`,
    );
    const labelsByName = new Map<string, Set<string>>();
    for (const labels of series) {
      const names = labelsByName.get(labels.__name__ as string) ?? new Set<string>();
      for (const label of Object.keys(labels)) names.add(label);
      labelsByName.set(labels.__name__ as string, names);
    }
    const notRecorded = NOT_RECORDED[job] ?? {};
    const found: { name: string; labels?: string[] }[] = [];
    const expected: { name: string; labels?: string[] }[] = [];
    for (const [name, family] of Object.entries(families as Record<string, Family>)) {
      const exposed = family.kind === 'histogram' ? `${name}_bucket` : name;
      const labels = labelsByName.get(exposed);
      const owned = OWNED_GROUPS[job].includes(family.group) && !(name in notRecorded);
      // A family of a group the service does not own must be absent as well.
      if (!owned && !labels) continue;
      found.push({
        name,
        labels: labels && [...labels].filter((l) => !['__name__', 'job', 'instance'].includes(l)).sort(),
      });
      expected.push({
        name,
        labels: owned ? [...family.labels, ...(family.kind === 'histogram' ? ['le'] : [])].sort() : undefined,
      });
    }
    expect(found).toEqual(expected);
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

  it('counts no probe or scrape as a request, reports the pool maximum, and raises no alert for a start-up', async () => {
    // Polled on /health all along and on /ready until ready, and scraped every second meanwhile.
    expect(await query('http_requests_total{handler=~"/health|/ready|/metrics"}')).toEqual([]);
    const pools = await query('db_pool_size{job=~"ticket|auth|file|realtime"}');
    expect(pools.map((series) => [series.metric.job, series.value?.[1]]).sort()).toEqual([
      ['auth', '100'],
      ['file', '100'],
      ['realtime', '100'],
      ['ticket', '100'],
    ]);
    expect(await query('ALERTS{alertname=~"HighErrorRate|DatabasePoolExhausted|ServiceNotReady"}')).toEqual(
      [],
    );
  });

  it("answers every dashboard variable's query with values", async () => {
    const empty: string[] = [];
    for (const [name, dashboard] of Object.entries(buildDashboards())) {
      const values = allValues(dashboard);
      for (const variable of variableQueries(dashboard)) {
        const match = encodeURIComponent(withGrafanaVariables(variable.selector, '1m', values));
        const found = await api<string[]>(`/api/v1/label/${variable.label}/values?match[]=${match}`);
        if (found.length === 0) empty.push(`${name} / $${variable.name}`);
      }
    }
    expect(empty).toEqual([]);
  });

  it('answers every dashboard query with data (pending alerts: see the stopped service)', async () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(60);
    expect(await withoutData(queries.filter((q) => !showsPending(q.expr)))).toEqual([]);
  });

  it("counts the traffic's late tickets on the Service levels panels' families", async () => {
    // Each round's low ticket stays open past both targets; each high one is answered and solved in time.
    const value = async (expr: string) => Number((await query(expr))[0]?.value?.[1] ?? 0);
    await waitFor(
      async () =>
        (await value(
          'sum(ticket_sla_breaches_total{job="ticket", priority="low", target="first_response"})',
        )) >= ROUNDS &&
        (await value('sum(ticket_sla_breaches_total{job="ticket", priority="low", target="resolution"})')) >=
          ROUNDS,
      { timeoutMs: 15_000, message: "a breach of each target for every round's low ticket" },
    );
    expect(await value('sum(ticket_sla_breaches_total{job="ticket", priority="high"})')).toBe(0);
    await waitFor(
      async () =>
        (await value('max(tickets_overdue{job="ticket", priority="low", target="resolution"})')) >= ROUNDS,
      { timeoutMs: 15_000, message: 'the low tickets overdue' },
    );
    expect(await value('sum(ticket_first_response_time_seconds_count{job="ticket", priority="high"})')).toBe(
      ROUNDS,
    );
    expect(await value('sum(ticket_solved_within_target_total{job="ticket", priority="high"})')).toBe(ROUNDS);
  });

  it('turns BackendServiceDown pending for a stopped service, and the Alerts dashboard shows it', async () => {
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
    expect(await withoutData(dashboardQueries().filter((q) => showsPending(q.expr)))).toEqual([]);
  });
});
