import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ALERT_THRESHOLDS, buildDashboards } from '../src/dashboards';
import { renderDashboards } from '../src/render';
import { alertRules, OBSERVABILITY, PROMETHEUS_DIR, prometheusCopy, REPO_ROOT, run } from './support/config';
import { catalogProblems, seriesNames, withGrafanaVariables } from './support/promql';

const SEED_ALERTS = {
  BackendServiceDown: ['critical', '2m'],
  HighErrorRate: ['critical', '5m'],
  VeryHighLatencyCritical: ['critical', '5m'],
  DatabasePoolExhausted: ['critical', '2m'],
  HighLatencyWarning: ['warning', '10m'],
  MemoryLeakSuspected: ['warning', '30m'],
  HighCPUUsage: ['warning', '10m'],
  HighWebSocketErrors: ['warning', '5m'],
  LowCacheHitRatio: ['warning', '15m'],
  NoTicketsCreated: ['info', '1h'],
  HighAuthFailureRate: ['info', '10m'],
} as const;
const ARCHITECTURE_ALERTS = [
  'KafkaConsumerLagGrowing',
  'OutboxBacklogAging',
  'EventsDeadLettered',
  'ServiceNotReady',
];

/** Every PromQL expression of the dashboards, with where it comes from. */
function dashboardQueries(): { where: string; expr: string }[] {
  const queries: { where: string; expr: string }[] = [];
  for (const [name, dashboard] of Object.entries(buildDashboards())) {
    for (const panel of dashboard.panels ?? []) {
      for (const target of ('targets' in panel ? panel.targets : undefined) ?? []) {
        const expr = (target as { expr?: string }).expr;
        if (expr) queries.push({ where: `${name} / ${panel.title}`, expr });
      }
    }
    for (const variable of dashboard.templating?.list ?? []) {
      const definition = (variable.query as { query?: string } | undefined)?.query ?? '';
      const selector = /^label_values\((.*),\s*\w+\)$/.exec(definition)?.[1];
      if (selector) queries.push({ where: `${name} / $${variable.name}`, expr: selector });
    }
  }
  return queries;
}

describe('Prometheus configuration', () => {
  let copy: string;
  beforeAll(() => (copy = prometheusCopy()));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('passes promtool check config, rule files included', () => {
    const result = run('promtool', ['check', 'config', 'prometheus.yml'], copy);
    expect(result).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
    expect(result.output).not.toMatch(/FAILED|WARNING/);
  });

  it('passes promtool check rules', () => {
    const files = readdirSync(join(PROMETHEUS_DIR, 'alerts')).map((file) => join('alerts', file));
    expect(run('promtool', ['check', 'rules', ...files], PROMETHEUS_DIR)).toEqual({
      status: 0,
      output: expect.not.stringMatching(/FAILED|WARNING/),
    });
  });

  it('passes every promtool test rules case', () => {
    const files = readdirSync(join(PROMETHEUS_DIR, 'tests')).map((file) => join('tests', file));
    const result = run('promtool', ['test', 'rules', ...files], PROMETHEUS_DIR);
    expect(result.output).not.toContain('FAILED');
    expect(result.status).toBe(0);
  });
});

describe('alert rules', () => {
  const rules = alertRules();
  const runbooks = readFileSync(join(REPO_ROOT, 'docs', 'runbooks.md'), 'utf8');
  const anchors = new Set(
    [...runbooks.matchAll(/^#+ (.+)$/gm)].map((m) =>
      (m[1] as string)
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    ),
  );

  it("keep the seed's alerts with their severities and durations, and add the architecture's", () => {
    const byName = new Map(rules.map((rule) => [rule.alert, rule]));
    for (const [name, [severity, duration]] of Object.entries(SEED_ALERTS)) {
      expect({ name, severity: byName.get(name)?.labels?.severity, for: byName.get(name)?.for }).toEqual({
        name,
        severity,
        for: duration,
      });
    }
    for (const name of ARCHITECTURE_ALERTS) expect(byName.has(name)).toBe(true);
    expect(rules.length).toBe(byName.size);
  });

  it.each(alertRules().map((rule) => [rule.alert, rule] as const))(
    '%s has severity, service, summary, description with the value, and a runbook section',
    (_name, rule) => {
      expect(rule.labels?.severity).toMatch(/^(critical|warning|info)$/);
      expect(rule.labels?.service).toBeTruthy();
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.description).toContain('$value');
      // An absolute link once Prometheus expands its external label runbook_base_url (RUNBOOK_BASE_URL).
      const anchor = /^\{\{ \$externalLabels\.runbook_base_url \}\}\/runbooks\.md#(.+)$/.exec(
        rule.annotations?.runbook_url ?? '',
      )?.[1];
      expect(anchor).toBe(rule.alert.toLowerCase());
      expect(anchors.has(anchor as string)).toBe(true);
    },
  );

  it('use only metric names and label names the catalog declares', () => {
    const problems = rules.flatMap((rule) => catalogProblems(rule.expr).map((p) => `${rule.alert}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('have a promtool test case each', () => {
    const tests = readdirSync(join(PROMETHEUS_DIR, 'tests'))
      .map((file) => readFileSync(join(PROMETHEUS_DIR, 'tests', file), 'utf8'))
      .join('\n');
    for (const rule of rules)
      expect({ alert: rule.alert, tested: tests.includes(`alertname: ${rule.alert}\n`) }).toEqual({
        alert: rule.alert,
        tested: true,
      });
  });
});

describe('Alertmanager configuration', () => {
  // alertmanager.yml is a template: its receivers' URL is rendered from ALERT_WEBHOOK_URL at start.
  const template = readFileSync(join(OBSERVABILITY, 'alertmanager', 'alertmanager.yml'), 'utf8');
  let dir: string;
  let config: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-alertmanager-'));
    config = join(dir, 'alertmanager.yml');
    writeFileSync(config, template.replaceAll('${ALERT_WEBHOOK_URL}', 'http://alert-log:5001/'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends every receiver to the one configured webhook URL', () => {
    const urls = [...template.matchAll(/^\s+- url: (.+)$/gm)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThan(0);
    expect(new Set(urls)).toEqual(new Set(["'${ALERT_WEBHOOK_URL}'"]));
  });

  it('passes amtool check-config', () => {
    const result = run('amtool', ['check-config', config]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it.each([
    ['critical', 'on-call'],
    ['warning', 'team'],
    ['info', 'info'],
  ])('routes %s alerts to %s', (severity, receiver) => {
    const result = run('amtool', [
      'config',
      'routes',
      'test',
      `--config.file=${config}`,
      `--verify.receivers=${receiver}`,
      `severity=${severity}`,
      'service=ticket',
    ]);
    expect(result.status).toBe(0);
  });
});

describe('Grafana dashboards', () => {
  const dashboards = buildDashboards();
  const queries = dashboardQueries();

  it('are committed as generated (run `npm run generate -w observability` after changing src/dashboards)', () => {
    const dir = join(OBSERVABILITY, 'grafana', 'dashboards');
    const rendered = renderDashboards();
    expect(readdirSync(dir).sort()).toEqual(
      Object.keys(rendered)
        .map((name) => `${name}.json`)
        .sort(),
    );
    for (const [name, json] of Object.entries(rendered)) {
      expect({ name, json: readFileSync(join(dir, `${name}.json`), 'utf8') }).toEqual({ name, json });
    }
  });

  it('give every panel a description, a unit and the provisioned datasource', () => {
    for (const [name, dashboard] of Object.entries(dashboards)) {
      for (const panel of dashboard.panels ?? []) {
        if (!('fieldConfig' in panel)) continue; // a row
        const where = `${name} / ${panel.title}`;
        expect({ where, description: Boolean(panel.description) }).toEqual({ where, description: true });
        expect({ where, unit: Boolean(panel.fieldConfig?.defaults?.unit) }).toEqual({ where, unit: true });
        expect({ where, datasource: panel.datasource?.uid }).toEqual({ where, datasource: 'prometheus' });
      }
    }
  });

  it('use only metric names and label names the catalog declares', () => {
    const problems = queries.flatMap((q) => catalogProblems(q.expr).map((p) => `${q.where}: ${p}`));
    expect(problems).toEqual([]);
  });

  it("parse as PromQL by Prometheus's own parser", () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-dashboard-rules-'));
    try {
      const rules = queries.map((q, i) => ({
        record: `dashboard:query_${i}`,
        expr: withGrafanaVariables(q.expr),
      }));
      writeFileSync(join(dir, 'queries.yml'), stringify({ groups: [{ name: 'dashboards', rules }] }));
      const result = run('promtool', ['check', 'rules', 'queries.yml'], dir);
      expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('draw the thresholds of the alert rules', () => {
    const rules = new Map(alertRules().map((rule) => [rule.alert, rule.expr]));
    for (const [alert, value] of Object.entries(ALERT_THRESHOLDS)) {
      const compared = [...(rules.get(alert) ?? '').matchAll(/[<>]=?\s*([\d.]+(?:\s*\*\s*[\d.]+)*)/g)].map(
        (m) => (m[1] as string).split('*').reduce((product, factor) => product * Number(factor), 1),
      );
      expect({ alert, thresholds: compared }).toEqual({ alert, thresholds: expect.arrayContaining([value]) });
    }
  });
});

describe('the PromQL name check', () => {
  it('finds series names, not functions, keywords, label names or numbers', () => {
    const expr =
      'sum by (job, le) (rate(http_request_duration_seconds_bucket{job=~"a|b"}[5m])) > 10 * 1024 or on (job) up offset 10m and nope_total';
    expect(seriesNames(expr).sort()).toEqual(['http_request_duration_seconds_bucket', 'nope_total', 'up']);
  });

  it('reports unknown names and labels', () => {
    expect(catalogProblems('rate(http_requests_total{code="500"}[5m]) + made_up_seconds')).toEqual([
      'made_up_seconds is not in the metric catalog',
      'http_requests_total has no label code',
    ]);
  });
});
