import { families, prometheusType, type FamilyGroup, type MetricFamily } from './catalog';

const GROUP_TITLES: Record<FamilyGroup, string> = {
  http: 'HTTP (every service)',
  health: 'Readiness (every service)',
  process: 'Process (every service)',
  runtime: 'Node.js runtime (every service)',
  kafka: 'Kafka events (services that publish or consume)',
  mongodb: 'MongoDB (services that own a database)',
  cache: 'Caches',
  ticket: 'Ticket service',
  auth: 'Auth service',
  file: 'File service',
  realtime: 'Realtime service',
};

/** Seed families with no counterpart here, and why. */
const SEED_FAMILIES_NOT_CARRIED: Record<string, string> = {
  db_transaction_duration_ms:
    'no multi-document transactions: writes and their events commit in one document',
  db_transactions_total: 'likewise',
  db_deadlocks_total: 'MongoDB has no deadlocks to count',
};

/** docs/metrics.md, rendered from the catalog: the doc cannot say what the code does not do. */
export function renderMetricsDoc(): string {
  const entries = Object.entries(families) as [string, MetricFamily][];
  const lines = [
    '# Metric catalog',
    '',
    '<!-- Generated from libs/telemetry/src/catalog/families.ts by `npm run docs:metrics`; do not edit. -->',
    '',
    'Every family a service exposes at `GET /metrics`, under the name Prometheus sees. Series carry no',
    'service label: Prometheus adds `job` (the service) and `instance`. Durations are in seconds and',
    'sizes in bytes, whatever the seed used. `target_info` carries the resource attributes',
    '(`service_name`, `service_version`, `service_instance_id`).',
    '',
  ];
  for (const group of Object.keys(GROUP_TITLES) as FamilyGroup[]) {
    const inGroup = entries.filter(([, family]) => family.group === group);
    lines.push(
      `## ${GROUP_TITLES[group]}`,
      '',
      '| name | type | labels | help | buckets |',
      '|---|---|---|---|---|',
    );
    for (const [name, family] of inGroup) {
      const labels = family.labels.map((l) => `\`${l}\``).join(', ') || '—';
      const bucketList = family.buckets ? family.buckets.join(', ') : '';
      lines.push(
        `| \`${name}\` | ${prometheusType[family.kind]} | ${labels} | ${escapeCell(family.help)} | ${bucketList} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    '## From the seed',
    '',
    'Families of the original backend whose name changed here, and those not carried. Every other',
    'seed family keeps its name.',
    '',
    '| seed | here |',
    '|---|---|',
  );
  for (const [name, family] of entries) {
    if (typeof family.seedName === 'string') lines.push(`| \`${family.seedName}\` | \`${name}\` |`);
  }
  for (const [name, why] of Object.entries(SEED_FAMILIES_NOT_CARRIED)) {
    lines.push(`| \`${name}\` | not carried: ${why} |`);
  }
  lines.push('');
  return lines.join('\n');
}

/** Keeps a cell's text literal in Markdown: no column breaks, no HTML tags. */
function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
