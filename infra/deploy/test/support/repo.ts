import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** The repository root, where docker-compose.prod.yml and .env.example are. */
export const REPO_ROOT = resolve(__dirname, '../../../..');

export const COMPOSE_FILE = 'docker-compose.prod.yml';

export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}

export function readRepoFile(...parts: string[]): string {
  return readFileSync(repoPath(...parts), 'utf8');
}

export function repoFileExists(...parts: string[]): boolean {
  return existsSync(repoPath(...parts));
}

export interface Healthcheck {
  test?: string[] | string;
  disable?: boolean;
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | null>;
  ports?: string[];
  volumes?: string[];
  tmpfs?: string[];
  networks?: string[];
  restart?: string;
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number; resources?: { limits?: { cpus?: string; memory?: string } } };
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, unknown>;
  volumes?: Record<string, unknown>;
}

/** The compose file as Compose reads it: anchors and `<<` merge keys resolved, no interpolation. */
export function loadCompose(): ComposeFile {
  return parse(readRepoFile(COMPOSE_FILE), { merge: true }) as ComposeFile;
}

/** One-shot jobs: they run to completion and others wait for `service_completed_successfully`. */
export function oneShotServices(compose: ComposeFile): string[] {
  const names = new Set<string>();
  for (const service of Object.values(compose.services)) {
    for (const [name, dep] of Object.entries(service.depends_on ?? {})) {
      if (dep.condition === 'service_completed_successfully') names.add(name);
    }
  }
  return [...names].sort();
}
