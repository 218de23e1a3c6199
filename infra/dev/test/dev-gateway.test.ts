import { DEFAULT_GATEWAY_PORT, gatewayPort } from '../src/gateway/dev-gateway';
import { devTarget, PRODUCTION_TARGET, readTemplate, renderNginx } from '../src/gateway/render-nginx';
import { loadRouteTable, routeFor } from '../src/gateway/route-table';

describe("npm run dev's gateway", () => {
  it.each([
    [{}, DEFAULT_GATEWAY_PORT],
    [{ GATEWAY_PORT: '' }, DEFAULT_GATEWAY_PORT],
    [{ GATEWAY_PORT: '18000' }, 18000],
    [{ GATEWAY_PORT: ' 8080 ' }, 8080],
  ])('listens on GATEWAY_PORT: %j → %d', (env, port) => {
    expect(gatewayPort(env)).toBe(port);
  });

  it.each(['0', '65536', 'eighty', '80.5', '-1', '8000x'])('refuses GATEWAY_PORT=%s, naming it', (value) => {
    expect(() => gatewayPort({ GATEWAY_PORT: value })).toThrow(
      `GATEWAY_PORT must be a port number (1-65535), not "${value}"`,
    );
  });

  it('sends every route to the services on loopback, on the ports npm run dev gives them', () => {
    const table = loadRouteTable();
    const conf = renderNginx(readTemplate(), table, devTarget(18000, { ticket: 18001 }));
    expect(conf).toContain('listen 18000;');
    expect(conf).toContain('set $ticket_upstream http://127.0.0.1:18001;');
    expect(conf).toContain('set $auth_upstream http://127.0.0.1:8002;');
    expect(conf).toContain('access_log off;');
    expect(conf).not.toMatch(/http:\/\/(auth|ticket|file|realtime):/);
  });

  it('picks routes as nginx picks locations: exact first, then the longest prefix', () => {
    const table = loadRouteTable();
    expect(routeFor(table, '/chat')?.websocket).toBe(true);
    expect(routeFor(table, '/api/v1/chat/t1/messages')?.websocket).toBeFalsy();
    expect(routeFor(table, '/api/v1/openapi/file.json')?.upstreamPath).toBe('/api/v1/openapi.json');
    expect(routeFor(table, '/metrics')).toBeUndefined();
  });

  it('names a placeholder the template has but nothing fills', () => {
    expect(() => renderNginx('{{nope}}\n', loadRouteTable(), PRODUCTION_TARGET)).toThrow(
      'nginx.conf.template: unknown placeholder {{nope}}',
    );
  });
});
