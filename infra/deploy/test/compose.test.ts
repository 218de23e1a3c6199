import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_PARTITIONS, TOPICS } from '@support-center/events';
import { interpolatedVariables, readEnvExample } from './support/env-file';
import {
  COMPOSE_FILE,
  loadCompose,
  oneShotServices,
  readRepoFile,
  REPO_ROOT,
  repoFileExists,
} from './support/repo';
import { requireTool, run } from './support/tools';

const ENTRYPOINT = 'observability/docker/entrypoint.sh';

const compose = loadCompose();
const services = Object.entries(compose.services);
const oneShot = oneShotServices(compose);
const longRunning = services.filter(([name]) => !oneShot.includes(name));

describe('docker-compose.prod.yml', () => {
  describe('against the Compose specification (Debian docker-compose config)', () => {
    let dir: string;
    const dockerCompose = () => requireTool('docker-compose', 'docker-compose');
    const config = (envFile: string) =>
      run(dockerCompose(), ['-f', COMPOSE_FILE, '--env-file', envFile, 'config', '-q'], REPO_ROOT);

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'deploy-compose-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('is valid once every empty value of .env.example is filled', () => {
      const filled = readEnvExample()
        .assigned.map(
          ({ name, value }) => `${name}=${value === '' ? `test-${name.toLowerCase()}-0123456789` : value}`,
        )
        .join('\n');
      writeFileSync(join(dir, 'filled.env'), `${filled}\n`);
      const result = config(join(dir, 'filled.env'));
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    });

    it('refuses to start while a secret of .env.example is still empty', () => {
      writeFileSync(join(dir, 'example.env'), readRepoFile('.env.example'));
      const result = config(join(dir, 'example.env'));
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/set [A-Z_]+ in \.env/);
    });
  });

  it('has a healthcheck on every long-running container', () => {
    for (const [name, service] of longRunning) {
      expect({ name, test: service.healthcheck?.test }).toEqual({ name, test: expect.anything() });
      expect({ name, disabled: service.healthcheck?.disable ?? false }).toEqual({ name, disabled: false });
    }
  });

  it('runs one-shot jobs once (restart "no"), and only jobs are waited on for completion', () => {
    expect(oneShot).toEqual(['kafka-init', 'minio-init']);
    for (const name of oneShot)
      expect({ name, restart: compose.services[name]?.restart }).toEqual({ name, restart: 'no' });
  });

  it('gives every long-running container a restart policy and CPU and memory limits', () => {
    for (const [name, service] of longRunning) {
      expect({ name, restart: service.restart }).toEqual({ name, restart: 'unless-stopped' });
    }
    for (const [name, service] of services) {
      const limits = service.deploy?.resources?.limits;
      expect({ name, cpus: limits?.cpus, memory: limits?.memory }).toEqual({
        name,
        cpus: expect.stringMatching(/^\d+(\.\d+)?$/),
        memory: expect.stringMatching(/^\d+[MG]$/),
      });
    }
  });

  it('waits on health, not on mere start: every depends_on names a condition', () => {
    for (const [name, service] of services) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect({ name, dependency, condition }).toEqual({
          name,
          dependency,
          condition: expect.stringMatching(/^service_(healthy|completed_successfully)$/),
        });
        expect(compose.services[dependency]).toBeDefined();
      }
    }
  });

  it('puts every container on the one network and keeps data in declared named volumes', () => {
    expect(Object.keys(compose.networks ?? {})).toEqual(['support-center']);
    for (const [name, service] of services) {
      expect({ name, networks: service.networks }).toEqual({ name, networks: ['support-center'] });
    }
    const named = services.flatMap(([, s]) => s.volumes ?? []).filter((v) => !v.startsWith('.'));
    for (const volume of named) expect(Object.keys(compose.volumes ?? {})).toContain(volume.split(':')[0]);
    for (const data of ['kafka_data', 'mongo_data', 'minio_data', 'prometheus_data', 'grafana_data']) {
      expect(Object.keys(compose.volumes ?? {})).toContain(data);
    }
  });

  // The observability files are written by issue 20; until they land this test names them.
  it('mounts only files and folders that exist in the repository', () => {
    const binds = services.flatMap(([, s]) => s.volumes ?? []).filter((v) => v.startsWith('.'));
    expect(binds.length).toBeGreaterThan(0);
    const missing = binds.map((bind) => bind.split(':')[0]!).filter((source) => !repoFileExists(source));
    expect(missing).toEqual([]);
  });

  it('mounts the monitoring configuration at the standard paths', () => {
    const targets = (name: string) => (compose.services[name]?.volumes ?? []).map((v) => v.split(':')[1]);
    expect(targets('prometheus')).toEqual(
      expect.arrayContaining(['/etc/prometheus/prometheus.yml', '/etc/prometheus/alerts', '/prometheus']),
    );
    expect(targets('alertmanager')).toEqual(expect.arrayContaining(['/etc/alertmanager/alertmanager.yml']));
    expect(targets('grafana')).toEqual(
      expect.arrayContaining([
        '/etc/grafana/provisioning',
        '/var/lib/grafana/dashboards',
        '/var/lib/grafana',
      ]),
    );
  });

  it('keeps Prometheus data 30 days or 10 GB', () => {
    const command = ([] as string[]).concat(compose.services.prometheus?.command ?? []);
    expect(command[0]).toBe('/bin/prometheus');
    expect(command).toContain('--storage.tsdb.retention.time=30d');
    expect(command).toContain('--storage.tsdb.retention.size=10GB');
  });

  it('gives Prometheus the /metrics token where prometheus.yml reads it, without a file on disk', () => {
    const prometheus = compose.services.prometheus!;
    expect(prometheus.tmpfs).toContain('/etc/prometheus/secrets');
    expect(prometheus.environment?.RUNTIME_CONFIG_DIR).toBe('/etc/prometheus/secrets');
    expect(prometheus.environment).toHaveProperty('METRICS_TOKEN', null);
    expect(readRepoFile(ENTRYPOINT)).toContain('"$RUNTIME_CONFIG_DIR/metrics_token"');
  });

  // prometheus.yml's file_sd reads targets/ for local runs; in the container those 127.0.0.1
  // addresses would be Prometheus itself, and a missing directory logs an error per job at
  // every start (seen in the rehearsal): an empty directory in its place.
  it('gives Prometheus an empty targets/ instead of the local one', () => {
    const prometheus = compose.services.prometheus!;
    expect(prometheus.tmpfs).toEqual(['/etc/prometheus/secrets', '/etc/prometheus/targets']);
    expect(prometheus.volumes?.some((volume) => volume.includes('prometheus/targets'))).toBe(false);
  });

  describe('Prometheus and Alertmanager', () => {
    const monitors = ['prometheus', 'alertmanager'] as const;
    const command = (name: string) => ([] as string[]).concat(compose.services[name]?.command ?? []);

    it.each(monitors)(
      '%s starts through the entry point that writes its web config into a tmpfs, then execs it',
      (name) => {
        const service = compose.services[name]!;
        const dir = `/etc/${name}/secrets`;
        expect(service.entrypoint).toEqual(['/bin/sh', `/etc/${name}/entrypoint.sh`]);
        expect(service.volumes).toContain(`./${ENTRYPOINT}:/etc/${name}/entrypoint.sh:ro`);
        expect(service.tmpfs).toContain(dir);
        expect(service.environment?.RUNTIME_CONFIG_DIR).toBe(dir);
        expect(command(name)[0]).toBe(`/bin/${name}`);
        expect(readRepoFile(ENTRYPOINT)).toMatch(/\nexec "\$@"\n$/);
      },
    );

    it.each(monitors)('%s requires basic auth on every endpoint, its healthcheck included', (name) => {
      const service = compose.services[name]!;
      expect(command(name)).toContain(`--web.config.file=/etc/${name}/secrets/web.yml`);
      expect(service.environment?.MONITORING_PASSWORD).toMatch(/^\$\{MONITORING_PASSWORD:\?/);
      expect(service.environment?.MONITORING_PASSWORD_HASH).toMatch(/^\$\{MONITORING_PASSWORD_HASH:\?/);
      expect(String(service.healthcheck?.test)).toContain(
        'http://monitoring:$${MONITORING_PASSWORD}@127.0.0.1:',
      );
    });

    it('keeps the Prometheus lifecycle API (/-/reload, /-/quit) closed', () => {
      expect(command('prometheus').join(' ')).not.toContain('--web.enable-lifecycle');
    });

    it('lets Grafana query Prometheus with the monitoring credentials', () => {
      expect(compose.services.grafana?.environment?.MONITORING_PASSWORD).toMatch(
        /^\$\{MONITORING_PASSWORD:\?/,
      );
      const datasource = parse(
        readRepoFile('observability/grafana/provisioning/datasources/prometheus.yml'),
      ) as {
        datasources: {
          url: string;
          basicAuth?: boolean;
          basicAuthUser?: string;
          secureJsonData?: Record<string, string>;
        }[];
      };
      expect(datasource.datasources[0]).toMatchObject({
        url: 'http://prometheus:9090',
        basicAuth: true,
        basicAuthUser: 'monitoring',
        secureJsonData: { basicAuthPassword: '$MONITORING_PASSWORD' },
      });
    });

    it('renders Alertmanager’s receivers from ALERT_WEBHOOK_URL, by default a container that logs them', () => {
      const alertmanager = compose.services.alertmanager!;
      expect(command('alertmanager')).toContain('--config.file=/etc/alertmanager/secrets/alertmanager.yml');
      expect(alertmanager.environment?.ALERTMANAGER_TEMPLATE).toBe('/etc/alertmanager/alertmanager.yml');
      const fallback = /^\$\{ALERT_WEBHOOK_URL:-http:\/\/([\w-]+):(\d+)\/\}$/.exec(
        String(alertmanager.environment?.ALERT_WEBHOOK_URL),
      );
      expect(fallback).not.toBeNull();
      const [, host, port] = fallback!;
      const sink = compose.services[host!]!;
      expect(sink.volumes).toContain('./observability/alertmanager/alert-log.js:/srv/alert-log.js:ro');
      expect(sink.environment?.PORT).toBe(port);
      expect(alertmanager.depends_on?.[host!]).toEqual({ condition: 'service_healthy' });
    });
  });

  it('lets the services believe X-Forwarded-For from the gateway’s network only', () => {
    const network = compose.networks?.['support-center'] as { ipam?: { config?: { subnet?: string }[] } };
    const subnet = network.ipam?.config?.[0]?.subnet;
    expect(subnet).toMatch(/^\$\{NETWORK_SUBNET:-\d+\.\d+\.\d+\.\d+\/\d+\}$/);
    for (const name of ['auth', 'ticket', 'file', 'realtime'])
      expect({ name, trusted: compose.services[name]?.environment?.TRUST_PROXY }).toEqual({
        name,
        trusted: subnet,
      });
    expect(compose.services.gateway?.networks).toEqual(['support-center']);
  });

  it('runs stateless services as replicas', () => {
    expect(compose.services.ticket?.deploy?.replicas).toBeGreaterThanOrEqual(2);
  });

  describe('secrets', () => {
    const text = readRepoFile(COMPOSE_FILE);
    const variables = interpolatedVariables(text);
    const secretName = /PASSWORD|SECRET|TOKEN|ACCESS_KEY/;

    it('takes every password, secret, token and key from the environment, with no default', () => {
      for (const [, service] of services) {
        for (const [key, value] of Object.entries(service.environment ?? {})) {
          if (!secretName.test(key) || value === null) continue;
          expect({ key, value: String(value) }).toEqual({
            key,
            value: expect.stringMatching(/^\$\{[A-Z0-9_]+:\?[^}]+\}$/),
          });
        }
      }
      for (const [name, operator] of variables) {
        if (secretName.test(name))
          expect({ name, operator }).toEqual({ name, operator: expect.stringMatching(/^:\?/) });
      }
    });

    it('gives the services MongoDB credentials from the environment', () => {
      for (const name of ['auth', 'ticket', 'file', 'realtime']) {
        expect(compose.services[name]?.environment?.MONGO_URL).toMatch(
          /^mongodb:\/\/\$\{MONGO_APP_USERNAME[^}]*\}:\$\{MONGO_APP_PASSWORD:\?[^}]+\}@mongo:27017\//,
        );
      }
    });

    it('requires a Grafana admin password with no default', () => {
      expect(compose.services.grafana?.environment?.GF_SECURITY_ADMIN_PASSWORD).toMatch(
        /^\$\{GRAFANA_ADMIN_PASSWORD:\?/,
      );
    });
  });

  describe('.env.example', () => {
    const { assigned, listed } = readEnvExample();
    const used = [...interpolatedVariables(readRepoFile(COMPOSE_FILE)).keys()];

    it('lists every variable the compose file reads, and only those', () => {
      for (const name of used) expect(listed).toContain(name);
      const passedThrough = services.flatMap(([, s]) =>
        Object.entries(s.environment ?? {})
          .filter(([, value]) => value === null)
          .map(([key]) => key),
      );
      const known = new Set([...used, ...passedThrough, 'COMPOSE_PROJECT_NAME']);
      for (const name of listed) expect({ name, used: known.has(name) }).toEqual({ name, used: true });
    });

    it('explains every variable with a comment', () => {
      for (const { name, documented } of assigned)
        expect({ name, documented }).toEqual({ name, documented: true });
    });

    it('holds no secret value', () => {
      for (const { name, value } of assigned) {
        if (/PASSWORD|SECRET|ACCESS_KEY|TOKEN/.test(name))
          expect({ name, value }).toEqual({ name, value: '' });
      }
    });
  });

  describe('Kafka', () => {
    const kafka = compose.services.kafka!;
    const env = kafka.environment ?? {};

    it('runs one KRaft node with topic auto-creation off and its controller off Alertmanager’s port', () => {
      expect(kafka.image).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
      expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
      expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
      expect(String(env.KAFKA_LISTENERS)).not.toMatch(/:9093\b/);
      expect(env.KAFKA_ADVERTISED_LISTENERS).toBe('PLAINTEXT://kafka:9092');
    });

    it('creates every topic of the event catalog with the services’ partition counts, and its .dlq', () => {
      const script = ([] as string[]).concat(compose.services['kafka-init']?.command ?? []).join('\n');
      const loop = /for topic in ([\w ]+); do/.exec(script)?.[1]?.split(' ');
      expect(loop?.sort()).toEqual(Object.values(TOPICS).sort());
      expect(script).toContain(`--topic "$$topic" --partitions ${DEFAULT_PARTITIONS} `);
      expect(script).toContain('--topic "$$topic.dlq" --partitions 1 ');
    });
  });
});
