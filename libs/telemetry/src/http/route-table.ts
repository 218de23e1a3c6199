import { pathToRegexp } from 'path-to-regexp';

/** The part of an Express 5 router (the `router` package, 2.3+) this module reads. */
export interface ListableRouter {
  stack: unknown[];
  listRoutes(): Array<{ path: string | RegExp; methods?: string[]; router?: ListableRouter }>;
}

interface Route {
  template: string;
  pattern: RegExp;
  /** Upper-case methods, or null when the route answers every method. */
  methods: ReadonlySet<string> | null;
}

export const UNMATCHED = 'unmatched';

/**
 * Resolves a request to the template of the route that will serve it, so that the HTTP families
 * are labelled by template and no raw path can create a series. It is read from the router
 * itself, and read again whenever routes have been added since.
 */
export class RouteTable {
  private routes: Route[] = [];
  private seenStackSize = -1;

  constructor(private readonly router: () => ListableRouter) {}

  resolve(method: string, path: string): string {
    this.refresh();
    for (const route of this.routes) {
      if (route.methods !== null && !route.methods.has(method)) continue;
      if (route.pattern.test(path)) return route.template;
    }
    return UNMATCHED;
  }

  private refresh(): void {
    const router = this.router();
    if (router.stack.length === this.seenStackSize) return;
    this.seenStackSize = router.stack.length;
    this.routes = listRoutes(router, '');
  }
}

function listRoutes(router: ListableRouter, prefix: string): Route[] {
  const routes: Route[] = [];
  for (const entry of router.listRoutes()) {
    // A RegExp route has no template to report; it stays unmatched rather than leaking paths.
    if (typeof entry.path !== 'string') continue;
    const template = joinPaths(prefix, entry.path);
    if (entry.router) {
      routes.push(...listRoutes(entry.router, template));
      continue;
    }
    const methods = entry.methods ?? [];
    routes.push({
      template,
      pattern: pathToRegexp(template, { end: true, trailing: true, sensitive: false }).regexp,
      methods: methods.includes('*') ? null : new Set(methods.map((m) => m.toUpperCase())),
    });
  }
  return routes;
}

function joinPaths(prefix: string, path: string): string {
  if (prefix === '' || prefix === '/') return path;
  return path === '/' ? prefix : `${prefix}${path}`;
}
