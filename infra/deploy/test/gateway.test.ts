import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it.each(['= /chat', '= /ws/notifications'])('upgrades %s to a WebSocket and keeps it open', (match) => {
    const body = location(match);
    expect(body).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(body).toContain('proxy_set_header Connection $connection_upgrade;');
    expect(body).toMatch(/proxy_read_timeout \d+h;/);
    // A location that sets a header drops the inherited ones: the forwarding headers must be repeated.
    expect(body).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
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
});
