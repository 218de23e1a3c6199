import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGateway, type RunningGateway } from './support/servers';
import { readRepoFile, repoPath } from './support/repo';
import { requireTool, run } from './support/tools';

const CONF = 'infra/gateway/nginx.conf';
const conf = readRepoFile(CONF);

/** The body of `location <match> { … }` (locations here hold no nested blocks). */
function location(match: string): string {
  const start = conf.indexOf(`location ${match} {`);
  if (start < 0) throw new Error(`no location ${match} in ${CONF}`);
  return conf.slice(start, conf.indexOf('}', start));
}

/** Where a location sends its requests: the upstream variable's value. */
function upstreamOf(match: string): string | undefined {
  const variable = /proxy_pass \$(\w+);/.exec(location(match))?.[1];
  return variable && new RegExp(`set \\$${variable} (\\S+);`).exec(conf)?.[1];
}

const SERVICE_UPSTREAMS: Record<string, string> = {
  auth: 'http://auth:8002',
  ticket: 'http://ticket:8001',
  file: 'http://file:8003',
  realtime: 'http://realtime:8004',
};

/**
 * Every HTTP route a service registers in its sources (`app.get('/api/v1/…', …)`, with the
 * file's string constants such as BASE substituted), as [service, method, path].
 */
function serviceRoutes(): [string, string, string][] {
  const routes: [string, string, string][] = [];
  for (const service of Object.keys(SERVICE_UPSTREAMS)) {
    const dir = `services/${service}/src`;
    const files = readdirSync(repoPath(dir), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    for (const file of files) {
      const source = readRepoFile(`${dir}/${file}`);
      const constants = new Map(
        [...source.matchAll(/const (\w+) = '(\/[^']*)';/g)].map((m) => [m[1]!, m[2]!]),
      );
      const registrations = source.matchAll(
        /\bapp\.(get|post|put|patch|delete)\(\s*(?:(['`])([^'`]*)\2|(\w+)\s*,)/g,
      );
      for (const [, method = '', , literal, constant] of registrations) {
        const path =
          literal !== undefined
            ? literal.replace(/\$\{(\w+)\}/g, (_, name: string) => constants.get(name) ?? `\${${name}}`)
            : constants.get(constant!);
        if (path?.startsWith('/')) routes.push([service, method.toUpperCase(), path]);
      }
    }
  }
  return routes;
}

/** The location nginx picks for a path: an exact match, else the longest matching prefix. */
function locationFor(path: string): string {
  const matches = [...conf.matchAll(/location (= )?(\/\S*) \{/g)];
  const exact = matches.find((m) => m[1] && m[2] === path);
  if (exact) return `= ${exact[2]}`;
  const prefixes = matches.filter((m) => !m[1] && path.startsWith(m[2]!)).map((m) => m[2]!);
  return prefixes.sort((a, b) => b.length - a.length)[0]!;
}

describe('the nginx gateway', () => {
  it('passes nginx -t (Debian nginx)', () => {
    const nginx = requireTool('nginx', 'nginx');
    const dir = mkdtempSync(join(tmpdir(), 'deploy-nginx-'));
    try {
      copyFileSync(repoPath(CONF), join(dir, 'nginx.conf'));
      const result = run(nginx, ['-t', '-q', '-e', 'stderr', '-p', dir, '-c', join(dir, 'nginx.conf')], dir);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('listens on 8000 and resolves the services at request time, so replicas join the rotation', () => {
    expect(conf).toMatch(/listen 8000;/);
    expect(conf).toMatch(/resolver 127\.0\.0\.11 valid=\d+s/);
    expect(conf).not.toMatch(/upstream \w+ \{/);
  });

  it.each([
    ['/api/v1/auth', 'http://auth:8002'],
    ['/api/v1/users', 'http://auth:8002'],
    ['= /.well-known/jwks.json', 'http://auth:8002'],
    ['/api/v1/tickets', 'http://ticket:8001'],
    ['/api/v1/files', 'http://file:8003'],
    ['= /chat', 'http://realtime:8004'],
    ['= /ws/notifications', 'http://realtime:8004'],
  ])('routes %s to %s', (match, upstream) => {
    expect(upstreamOf(match)).toBe(upstream);
  });

  describe('routes every HTTP route the services serve to the service that serves it', () => {
    const routes = serviceRoutes();
    it('finds the routes in the services', () => {
      expect(new Set(routes.map(([service]) => service))).toEqual(new Set(Object.keys(SERVICE_UPSTREAMS)));
    });
    // Each service's own OpenAPI document is read on the service's port; one public path cannot
    // name two services' documents.
    const routed = routes.filter(([, , path]) => path !== '/api/v1/openapi.json');
    it.each(routed)('%s: %s %s', (service, _method, path) => {
      const concrete = path.replace(/:\w+/g, 'x');
      expect(upstreamOf(locationFor(concrete))).toBe(SERVICE_UPSTREAMS[service]);
    });
  });

  it.each(['= /chat', '= /ws/notifications'])('upgrades %s to a WebSocket and keeps it open', (match) => {
    const body = location(match);
    expect(body).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(body).toContain('proxy_set_header Connection $connection_upgrade;');
    expect(body).toMatch(/proxy_read_timeout \d+h;/);
    // A location that sets a header drops the inherited ones: the forwarding headers must be repeated.
    expect(body).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
  });

  it('streams file uploads and downloads and allows large bodies there only', () => {
    const body = location('/api/v1/files');
    expect(body).toContain('proxy_request_buffering off;');
    expect(body).toContain('proxy_buffering off;');
    expect(Number(/client_max_body_size (\d+)m;/.exec(body)?.[1])).toBeGreaterThanOrEqual(50);
    expect(conf).toMatch(/http \{[\s\S]*client_max_body_size 1m;/);
  });

  it('answers unknown paths and its own failures in the JSON error shape', () => {
    expect(location('/')).toContain(`return 404 '{"error":{"code":"NOT_FOUND"`);
    expect(conf).toContain('default_type application/json;');
    expect(conf).toMatch(/error_page 502 503 504 @unavailable;/);
  });

  describe('run by the real nginx in front of a stand-in service', () => {
    let upstream: Server;
    let gateway: RunningGateway;

    beforeAll(async () => {
      // Answers every request with the headers it received.
      upstream = createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(req.headers));
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      const { port } = upstream.address() as AddressInfo;
      gateway = await runGateway(requireTool('nginx', 'nginx'), conf, `http://127.0.0.1:${port}`);
    });
    afterAll(async () => {
      await gateway?.stop();
      await new Promise((resolve) => upstream?.close(resolve));
    });

    // Services trust the gateway's X-Forwarded-For: it must name the address the gateway saw,
    // whatever the client claimed, or a client picks the address rate limits and lockout key on.
    it.each([
      '/api/v1/auth/login',
      '/api/v1/users',
      '/api/v1/tickets',
      '/api/v1/files/x',
      '/chat',
      '/ws/notifications',
    ])('overwrites a client-sent X-Forwarded-For on %s with the address it saw', async (path) => {
      for (const claimed of [undefined, '203.0.113.7', '203.0.113.7, 198.51.100.2']) {
        const response = await fetch(`${gateway.url}${path}`, {
          headers: claimed === undefined ? {} : { 'X-Forwarded-For': claimed },
        });
        const seen = (await response.json()) as Record<string, string>;
        expect({ claimed, forwardedFor: seen['x-forwarded-for'], realIp: seen['x-real-ip'] }).toEqual({
          claimed,
          forwardedFor: '127.0.0.1',
          realIp: '127.0.0.1',
        });
      }
    });
  });
});
