import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where the gateway's sources are: the route table, the template, the production configuration. */
export const GATEWAY_DIR = resolve(__dirname, '../../../gateway');

export interface GatewayService {
  /** The service's name on the production network (Docker's DNS). */
  host: string;
  port: number;
}

export interface GatewayRoute {
  /** A path prefix, or the whole path when `exact`. */
  path: string;
  exact?: boolean;
  service: string;
  /** The path the service serves it at, when the public path differs. */
  upstreamPath?: string;
  websocket?: boolean;
  /** Bodies streamed both ways, unbuffered, with long timeouts (uploads, downloads). */
  streamed?: boolean;
  /** The largest request body, in nginx's size syntax; the gateway's default (1m) otherwise. */
  maxBody?: string;
  /** Whether a failed connect or timeout is tried on the service's next address (default true). */
  retryGet?: boolean;
  /** Why the route is the way it is; written above its location. */
  note?: string;
}

export interface RouteTable {
  services: Record<string, GatewayService>;
  routes: GatewayRoute[];
}

export class RouteTableError extends Error {
  constructor(readonly problems: string[]) {
    super(`infra/gateway/routes.json is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RouteTableError';
  }
}

/** Reads and checks infra/gateway/routes.json (or `file`): every problem is named at once. */
export function loadRouteTable(file = resolve(GATEWAY_DIR, 'routes.json')): RouteTable {
  const table = JSON.parse(readFileSync(file, 'utf8')) as RouteTable;
  const problems = routeTableProblems(table);
  if (problems.length > 0) throw new RouteTableError(problems);
  return table;
}

/**
 * What nginx would refuse or misroute: a path that is not absolute or has characters a location
 * cannot hold unquoted, a route to an unknown service, two routes with the same location, a size
 * nginx cannot read.
 */
export function routeTableProblems(table: RouteTable): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(table.services ?? {})) {
    if (!/^[a-z][a-z0-9-]*$/.test(service.host)) problems.push(`service ${name}: host must be a DNS name`);
    if (!Number.isInteger(service.port) || service.port < 1 || service.port > 65535)
      problems.push(`service ${name}: port must be 1-65535`);
  }
  const seen = new Set<string>();
  for (const route of table.routes ?? []) {
    const where = `route ${route.path}`;
    if (!/^\/[\w./-]*$/.test(route.path))
      problems.push(`${where}: path must be absolute, [A-Za-z0-9_./-] only`);
    if (!table.services?.[route.service]) problems.push(`${where}: unknown service ${route.service}`);
    if (route.upstreamPath !== undefined && !/^\/[\w./-]*$/.test(route.upstreamPath))
      problems.push(`${where}: upstreamPath must be absolute`);
    if (route.upstreamPath !== undefined && !route.exact)
      problems.push(`${where}: upstreamPath needs exact (a prefix would lose the rest of the path)`);
    if (route.maxBody !== undefined && !/^\d+[km]?$/.test(route.maxBody))
      problems.push(`${where}: maxBody must be a size such as 110m`);
    const location = `${route.exact ? '= ' : ''}${route.path}`;
    if (seen.has(location)) problems.push(`${where}: listed twice`);
    seen.add(location);
  }
  return problems;
}

/**
 * The route nginx picks for a request path, as it picks locations: an exact match, else the
 * longest matching prefix; undefined when only the catch-all 404 would answer.
 */
export function routeFor(table: RouteTable, path: string): GatewayRoute | undefined {
  const exact = table.routes.find((r) => r.exact && r.path === path);
  if (exact) return exact;
  return table.routes
    .filter((r) => !r.exact && path.startsWith(r.path))
    .sort((a, b) => b.path.length - a.path.length)[0];
}
