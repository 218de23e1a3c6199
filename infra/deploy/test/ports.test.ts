import { portOf, tableRows } from './support/markdown';
import { loadCompose, readRepoFile } from './support/repo';

const compose = loadCompose();
const readme = tableRows(readRepoFile('README.md'));
const architecture = tableRows(readRepoFile('docs/architecture.md'));
const gateway = readRepoFile('infra/gateway/nginx.conf');

const APP_SERVICES = ['auth', 'ticket', 'file', 'realtime'] as const;

/**
 * `"127.0.0.1:${PROMETHEUS_PORT:-9090}:9090"` → ['127.0.0.1', 9090, 9090]: the host address
 * (`*` for every address), the default host port and the container port.
 */
function published(mapping: string): [string, number, number] {
  const match = /^(?:([\d.]+):)?(?:\$\{[A-Z_]+:-(\d+)\}|(\d+)):(\d+)$/.exec(mapping);
  if (!match) throw new Error(`unexpected port mapping ${mapping}`);
  return [match[1] ?? '*', Number(match[2] ?? match[3]), Number(match[4])];
}

describe('ports and names', () => {
  it.each(APP_SERVICES)(
    '%s listens, is checked and is routed on the port docs/architecture.md and the README give',
    (name) => {
      const port = portOf(architecture, new RegExp(`^${name}$`));
      expect(port).toBeDefined();
      expect(portOf(readme, new RegExp(`^${name}$`))).toBe(port);
      const service = compose.services[name]!;
      expect(Number(service.environment?.PORT)).toBe(port);
      expect(Number(service.build?.args?.PORT)).toBe(port);
      expect(service.build?.args?.SERVICE).toBe(name);
      expect(String(service.healthcheck?.test)).toContain(`http://127.0.0.1:${port}/health`);
      expect(gateway).toContain(`http://${name}:${port};`);
    },
  );

  it('publishes no host port for the services, so they can be scaled', () => {
    for (const name of [...APP_SERVICES, 'kafka', 'mongo', 'minio', 'alert-log']) {
      expect({ name, ports: compose.services[name]?.ports }).toEqual({ name, ports: undefined });
    }
  });

  // Only the gateway faces the network; the monitoring UIs are reached from the host itself or
  // through a TLS-terminating reverse proxy there.
  it.each([
    ['gateway', /^gateway/, '*'],
    ['prometheus', /^Prometheus$/, '127.0.0.1'],
    ['alertmanager', /^Alertmanager$/, '127.0.0.1'],
    ['grafana', /^Grafana$/, '127.0.0.1'],
  ])('publishes %s on the README’s port, inside and out, on %s', (name, row, address) => {
    const port = portOf(readme, row);
    expect(port).toBeDefined();
    expect(compose.services[name]?.ports?.map(published)).toEqual([[address, port, port]]);
  });

  it('runs the engines on the README’s ports inside the network', () => {
    expect(compose.services.kafka?.environment?.KAFKA_LISTENERS).toContain(`:${portOf(readme, /^Kafka$/)},`);
    expect(compose.services.mongo?.healthcheck).toBeDefined();
    expect(compose.services.minio?.command).toContain(`:${portOf(readme, /^S3/)}`);
    expect(String(compose.services.file?.environment?.S3_ENDPOINT)).toBe(
      `http://minio:${portOf(readme, /^S3/)}`,
    );
    expect(String(compose.services.ticket?.environment?.MONGO_URL)).toContain(
      `@mongo:${portOf(readme, /^MongoDB/)}/`,
    );
  });

  it('names the compose services after the Prometheus jobs (dns_sd finds replicas by these names)', () => {
    for (const name of APP_SERVICES) expect(Object.keys(compose.services)).toContain(name);
  });

  it('documents the production quick start of the seed in the README', () => {
    const text = readRepoFile('README.md');
    expect(text).toContain('## Production (Docker)');
    expect(text).toContain('docker compose -f docker-compose.prod.yml up -d\n');
    expect(text).toContain('docker compose -f docker-compose.prod.yml up -d prometheus grafana');
    expect(text).toContain('--scale ticket=3');
  });
});
