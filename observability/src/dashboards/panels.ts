import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { ALERT_THRESHOLDS, type ThresholdedAlert } from './thresholds';

/** The provisioned Prometheus datasource (grafana/provisioning/datasources/prometheus.yml). */
export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: 'prometheus' };

/** The four services' jobs, as prometheus.yml names them. */
export const SERVICE_JOBS = 'ticket|auth|file|realtime';

/** The selector of the dashboards' `service` and `instance` variables. */
export const SELECTED = 'job=~"$service", instance=~"$instance"';

export interface Query {
  expr: string;
  legend?: string;
}

interface PanelOptions {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  /** Draws the threshold of this alert rule: red at and above it, or below it for `below`. */
  alert?: ThresholdedAlert;
  /** A second, lower threshold in yellow (e.g. the warning under a critical). */
  warnAlert?: ThresholdedAlert;
  below?: boolean;
  width?: number;
  height?: number;
  min?: number;
  max?: number;
}

function targets(queries: Query[]): prometheus.DataqueryBuilder[] {
  return queries.map((query, index) =>
    new prometheus.DataqueryBuilder()
      .datasource(DATASOURCE)
      .expr(query.expr)
      .legendFormat(query.legend ?? '__auto')
      .refId(String.fromCharCode(65 + index)),
  );
}

function thresholds(options: PanelOptions): dashboard.ThresholdsConfigBuilder {
  const steps: dashboard.Threshold[] = [];
  const red = options.alert === undefined ? undefined : ALERT_THRESHOLDS[options.alert];
  const yellow = options.warnAlert === undefined ? undefined : ALERT_THRESHOLDS[options.warnAlert];
  if (options.below) {
    steps.push({ value: null, color: 'red' });
    if (red !== undefined) steps.push({ value: red, color: 'green' });
  } else {
    steps.push({ value: null, color: 'green' });
    if (yellow !== undefined) steps.push({ value: yellow, color: 'yellow' });
    if (red !== undefined) steps.push({ value: red, color: 'red' });
  }
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

/** A time series panel; with an alert, its threshold is drawn as a dashed line. */
export function graph(options: PanelOptions): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(DATASOURCE)
    .unit(options.unit)
    .targets(targets(options.queries))
    .span(options.width ?? 12)
    .height(options.height ?? 8)
    .thresholds(thresholds(options))
    .fillOpacity(10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true)
        .calcs(['lastNotNull', 'max']),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi));
  if (options.alert !== undefined) {
    panel.thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
  }
  if (options.min !== undefined) panel.min(options.min);
  if (options.max !== undefined) panel.max(options.max);
  return panel;
}

/** A single-value panel colored by the alert's threshold. */
export function single(options: PanelOptions & { mappings?: dashboard.ValueMapping[] }): stat.PanelBuilder {
  const panel = new stat.PanelBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(DATASOURCE)
    .unit(options.unit)
    .targets(targets(options.queries))
    .span(options.width ?? 6)
    .height(options.height ?? 4)
    .thresholds(thresholds(options))
    .colorMode(common.BigValueColorMode.Background)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']));
  if (options.mappings) panel.mappings(options.mappings);
  if (options.min !== undefined) panel.min(options.min);
  if (options.max !== undefined) panel.max(options.max);
  return panel;
}

/** A table of the series an instant query returns, one row per series. */
export function list(options: Omit<PanelOptions, 'alert' | 'warnAlert' | 'below'>): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(DATASOURCE)
    .unit(options.unit)
    .targets(
      targets(options.queries).map((query) => query.instant().format(prometheus.PromQueryFormat.Table)),
    )
    .span(options.width ?? 24)
    .height(options.height ?? 8)
    .withTransformation({ id: 'merge', options: {} });
}

/** `histogram_quantile(q, …)` of a histogram's rate, kept by the given labels. */
export function quantile(q: number, histogram: string, selector: string, by: string): string {
  return `histogram_quantile(${q}, sum by (${by}, le) (rate(${histogram}_bucket{${selector}}[$__rate_interval])))`;
}

/** The `service` and `instance` variables; `jobs` limits the services offered. */
export function variables(jobs: string = SERVICE_JOBS): dashboard.QueryVariableBuilder[] {
  const query = (name: string, label: string, expr: string, all: string) =>
    new dashboard.QueryVariableBuilder(name)
      .label(label)
      .datasource(DATASOURCE)
      .query({ query: expr, refId: `${name}-variable` })
      .definition(expr)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalAsc)
      .multi(true)
      .includeAll(true)
      .allValue(all)
      .current({ text: 'All', value: '$__all' });
  return [
    query('service', 'Service', `label_values(up{job=~"${jobs}"}, job)`, jobs),
    query('instance', 'Instance', 'label_values(up{job=~"$service"}, instance)', '.+'),
  ];
}

/** 0/1 → Down/Up, for `up`-like stats. */
export const UP_MAPPINGS: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: { '0': { text: 'Down', color: 'red' }, '1': { text: 'Up', color: 'green' } },
  },
];

/** A dashboard with the project's defaults: tags, refresh, time range, variables. */
export function board(uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['support-center'])
    .editable()
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
}
