import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const OBSERVABILITY = resolve(__dirname, '..', '..');
export const PROMETHEUS_DIR = join(OBSERVABILITY, 'prometheus');
export const REPO_ROOT = resolve(OBSERVABILITY, '..');

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Every alerting rule of prometheus/alerts/*.yml. */
export function alertRules(): AlertRule[] {
  const dir = join(PROMETHEUS_DIR, 'alerts');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yml'))
    .flatMap(
      (file) => (parse(readFileSync(join(dir, file), 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups,
    )
    .flatMap((group) => group.rules);
}

/** Runs a command and returns its exit status and everything it printed. */
export function run(
  command: string,
  args: string[],
  cwd?: string,
): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`${command} is not available (${result.error.message})`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * A copy of prometheus/ in a temporary directory, with the (gitignored) token and password files
 * the configuration reads, so `promtool check config` sees what Prometheus would.
 */
export function prometheusCopy(token = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'sc-prometheus-'));
  cpSync(PROMETHEUS_DIR, dir, { recursive: true });
  mkdirSync(join(dir, 'secrets'), { recursive: true });
  writeFileSync(join(dir, 'secrets', 'metrics_token'), token);
  writeFileSync(join(dir, 'secrets', 'monitoring_password'), '');
  return dir;
}
