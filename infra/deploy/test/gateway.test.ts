import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGateway, type RunningGateway } from './support/servers';
import { readRepoFile, repoPath } from './support/repo';
import { requireTool, run } from './support/tools';
import { openApiDocument as authDocument } from '../../../services/auth/src/openapi';
import { fileOpenApiDocument } from '../../../services/file/src/http/openapi';
import { realtimeOpenApiDocument } from '../../../services/realtime/src/openapi';
import { openApiDocument as ticketDocument } from '../../../services/ticket/src/http/openapi';
import { devTarget, PRODUCTION_TARGET, readTemplate, renderNginx } from '../../dev/src/gateway/render-nginx';
import { loadRouteTable, routeFor, routeTableProblems } from '../../dev/src/gateway/route-table';

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
  const variable = /proxy_pass \$(\w+)[^;]*;/.exec(location(match))?.[1];
  return variable && new RegExp(`set \\$${variable} (\\S+);`).exec(conf)?.[1];
}

const SERVICE_UPSTREAMS: Record<string, string> = {
  auth: 'http://auth:8002',
  ticket: 'http://ticket:8001',
  file: 'http://file:8003',
  realtime: 'http://realtime:8004',
};

/** Each service's OpenAPI document, as the service builds it (it serves it at /api/v1/openapi.json). */
const DOCUMENTS: Record<string, { paths?: Record<string, unknown> }> = {
  auth: authDocument('test'),
  ticket: ticketDocument('test'),
  file: fileOpenApiDocument('test'),
  realtime: realtimeOpenApiDocument('test'),
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Every route the services declare in their OpenAPI documents, as [service, method, path]. */
function serviceRoutes(): [string, string, string][] {
  return Object.entries(DOCUMENTS).flatMap(([service, document]) =>
    Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      HTTP_METHODS.filter((m) => typeof item === 'object' && item !== null && m in item).map(
        (m): [string, string, string] => [service, m.toUpperCase(), path],
      ),
    ),
  );
}

/** The location nginx picks for a path: an exact match, else the longest matching prefix. */
function locationFor(path: string): string {
  const matches = [...conf.matchAll(/location (= )?(\/\S*) \{/g)];
  const exact = matches.find((m) => m[1] && m[2] === path);
  if (exact) return `= ${exact[2]}`;
  const prefixes = matches.filter((m) => !m[1] && path.startsWith(m[2]!)).map((m) => m[2]!);
  return prefixes.sort((a, b) => b.length - a.length)[0]!;
}

/** nginx -t on a configuration: its complaints, empty when it is valid. */
function nginxTest(write: (dir: string) => void): { stderr: string; status: number | null } {
  const nginx = requireTool('nginx', 'nginx');
  const dir = mkdtempSync(join(tmpdir(), 'deploy-nginx-'));
  try {
    write(dir);
    const { stderr, status } = run(
      nginx,
      ['-t', '-q', '-e', 'stderr', '-p', dir, '-c', join(dir, 'nginx.conf')],
      dir,
    );
    return { stderr, status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const table = loadRouteTable();

describe('the nginx gateway', () => {
  it('passes nginx -t (Debian nginx)', () => {
    expect(nginxTest((dir) => copyFileSync(repoPath(CONF), join(dir, 'nginx.conf')))).toEqual({
      stderr: '',
      status: 0,
    });
  });

  // Production and `npm run dev` render the same table into the same template, so they cannot drift.
  it('is the rendering of infra/gateway/routes.json and nginx.conf.template (npm run generate:gateway -w infra/dev)', () => {
    expect(conf).toBe(renderNginx(readTemplate(), table, PRODUCTION_TARGET));
  });

  it("renders npm run dev's gateway from the same table, which nginx -t passes too", () => {
    const dev = renderNginx(readTemplate(), table, devTarget(8000));
    expect(dev).toContain('set $ticket_upstream http://127.0.0.1:8001;');
    // Only the upstreams' addresses and the access log differ.
    const addresses = /\b(127\.0\.0\.1|auth|ticket|file|realtime):(\d+)/g;
    expect(dev.replace(addresses, 'host:$2')).toBe(
      conf.replace(addresses, 'host:$2').replace('access_log /dev/stdout gateway;', 'access_log off;'),
    );
    expect(nginxTest((dir) => writeFileSync(join(dir, 'nginx.conf'), dev))).toEqual({
      stderr: '',
      status: 0,
    });
  });

  it('reads a route table without problems, and names each problem of a bad one', () => {
    expect(routeTableProblems(table)).toEqual([]);
    const bad = {
      services: { auth: { host: 'auth', port: 8002 } },
      routes: [
        { path: 'api', service: 'auth' },
        { path: '/x', service: 'nobody' },
        { path: '/y', service: 'auth', upstreamPath: '/z' },
        { path: '/w', service: 'auth', maxBody: 'huge' },
        { path: '/w', service: 'auth' },
      ],
    };
    expect(routeTableProblems(bad)).toEqual([
      'route api: path must be absolute, [A-Za-z0-9_./-] only',
      'route /x: unknown service nobody',
      'route /y: upstreamPath needs exact (a prefix would lose the rest of the path)',
      'route /w: maxBody must be a size such as 110m',
      'route /w: listed twice',
    ]);
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

  describe('routes every route of the OpenAPI documents to the service that serves it', () => {
    const routes = serviceRoutes();
    it('finds the routes in every service', () => {
      expect(new Set(routes.map(([service]) => service))).toEqual(new Set(Object.keys(SERVICE_UPSTREAMS)));
    });
    it.each(routes)('%s: %s %s', (service, _method, path) => {
      const concrete = path.replace(/\{\w+\}/g, 'x');
      expect(routeFor(table, concrete)?.service).toBe(service);
      expect(upstreamOf(locationFor(concrete))).toBe(SERVICE_UPSTREAMS[service]);
    });
  });

  // Every service serves its document at /api/v1/openapi.json: through one origin each has its own.
  it.each(Object.keys(SERVICE_UPSTREAMS))(
    "serves %s's OpenAPI document at /api/v1/openapi/<service>.json",
    (service) => {
      const body = location(`= /api/v1/openapi/${service}.json`);
      expect(body).toContain(`proxy_pass $${service}_upstream/api/v1/openapi.json;`);
      expect(upstreamOf(`= /api/v1/openapi/${service}.json`)).toBe(SERVICE_UPSTREAMS[service]);
    },
  );

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
        res.end(JSON.stringify({ ...req.headers, 'x-upstream-url': req.url }));
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      const { port } = upstream.address() as AddressInfo;
      gateway = await runGateway(requireTool('nginx', 'nginx'), conf, `http://127.0.0.1:${port}`);
    });
    afterAll(async () => {
      await gateway?.stop();
      await new Promise((resolve) => upstream?.close(resolve));
    });

    it.each(Object.keys(SERVICE_UPSTREAMS))(
      'asks the service for /api/v1/openapi.json when /api/v1/openapi/%s.json is requested',
      async (service) => {
        const response = await fetch(`${gateway.url}/api/v1/openapi/${service}.json`);
        expect(((await response.json()) as Record<string, string>)['x-upstream-url']).toBe(
          '/api/v1/openapi.json',
        );
      },
    );

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
