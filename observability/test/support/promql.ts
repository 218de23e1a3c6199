import { families } from '@support-center/telemetry';

/** Series Prometheus itself makes, usable in any expression. */
const PROMETHEUS_SERIES: Readonly<Record<string, readonly string[]>> = {
  up: [],
  ALERTS: ['alertname', 'alertstate', 'severity', 'service'],
};

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'inf',
  'nan',
]);

/** The label names each usable series name may carry (besides job and instance). */
export function knownSeries(): Map<string, readonly string[]> {
  const known = new Map<string, readonly string[]>();
  const declared = families as Record<string, { kind: string; labels: readonly string[] }>;
  for (const [name, family] of Object.entries({ ...declared })) {
    known.set(name, family.labels);
    if (family.kind === 'histogram') {
      known.set(`${name}_bucket`, [...family.labels, 'le']);
      known.set(`${name}_sum`, family.labels);
      known.set(`${name}_count`, family.labels);
    }
  }
  for (const [name, labels] of Object.entries(PROMETHEUS_SERIES)) {
    if (!known.has(name)) known.set(name, labels);
  }
  return known;
}

function withoutStrings(expr: string): string {
  return expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
}

/** The series names an expression selects (not functions, keywords or label names). */
export function seriesNames(expr: string): string[] {
  const bare = withoutStrings(expr)
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+-?\w+/g, ' ');
  const names = new Set<string>();
  // A name not glued to a number (1e6) and not followed by "(" (a function).
  for (const match of bare.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(?!\s*\(|[\w:])/g)) {
    const name = match[1] as string;
    if (!KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

/** `[name, labelName]` for every label matcher written after a series name. */
export function matcherLabels(expr: string): [string, string][] {
  const found: [string, string][] = [];
  const text = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const selector of text.matchAll(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g)) {
    for (const matcher of (selector[2] as string).matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)/g)) {
      found.push([selector[1] as string, matcher[1] as string]);
    }
  }
  return found;
}

/** Problems with an expression: unknown series names, or label names its family lacks. */
export function catalogProblems(expr: string, known = knownSeries()): string[] {
  const problems: string[] = [];
  for (const name of seriesNames(expr)) {
    if (!known.has(name)) problems.push(`${name} is not in the metric catalog`);
  }
  for (const [name, label] of matcherLabels(expr)) {
    const labels = known.get(name);
    if (labels && !['job', 'instance'].includes(label) && !labels.includes(label)) {
      problems.push(`${name} has no label ${label}`);
    }
  }
  return problems;
}

/**
 * Grafana's variables replaced by values Prometheus accepts: the dashboard's own variables by the
 * value given for each in `values` (see `allValues`), any other `$service`/`$instance` by `.+`.
 */
export function withGrafanaVariables(
  expr: string,
  rateInterval = '1m',
  values: Readonly<Record<string, string>> = {},
): string {
  let substituted = expr.replace(/\$__rate_interval|\$__interval/g, rateInterval).replace(/\$__range/g, '1h');
  // Longest names first, so `$service` never eats the start of `$services`.
  for (const name of Object.keys(values).sort((a, b) => b.length - a.length)) {
    substituted = substituted.replace(new RegExp(`\\$${name}\\b`, 'g'), values[name] as string);
  }
  return substituted.replace(/\$service|\$instance/g, '.+');
}

interface TemplatedDashboard {
  templating?: { list?: readonly { name?: string; allValue?: string; definition?: string }[] };
}

/** What Grafana puts in place of each variable of a dashboard when "All" is selected. */
export function allValues(dashboard: TemplatedDashboard): Record<string, string> {
  const values: Record<string, string> = {};
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.name && variable.allValue !== undefined) values[variable.name] = variable.allValue;
  }
  return values;
}

/** The `label_values(selector, label)` queries of a dashboard's variables, as their parts. */
export function variableQueries(
  dashboard: TemplatedDashboard,
): { name: string; selector: string; label: string }[] {
  const found: { name: string; selector: string; label: string }[] = [];
  for (const variable of dashboard.templating?.list ?? []) {
    const match = /^label_values\((.+),\s*(\w+)\)$/.exec(variable.definition ?? '');
    if (variable.name && match)
      found.push({ name: variable.name, selector: match[1] as string, label: match[2] as string });
  }
  return found;
}
