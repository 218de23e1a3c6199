import { getFreePort } from './free-port';
import { promtoolCheckMetrics } from './promtool';
import { startServiceProcess, type ServiceName, type ServiceProcess } from './service-process';
import { waitFor } from './wait-for';

export interface ServiceSuiteOptions {
  /** The dependencies /ready reports, in order. */
  dependencies: string[];
}

/** The engines the harness started (or the ones KAFKA_BROKERS, MONGO_URL, S3_ENDPOINT name). */
export function serviceEnv(database: string): Record<string, string | undefined> {
  return {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    MONGO_URL: process.env.MONGO_URL,
    MONGO_DB: database,
    S3_ENDPOINT: process.env.S3_ENDPOINT,
    S3_BUCKET: `${database.replace(/_/g, '-')}-bucket`,
  };
}

/**
 * What every service must do, run as a real process the way `npm start` runs it: serve /health,
 * /ready and /metrics, report its dependencies, start while they are unreachable, refuse a bad
 * configuration by name, and stop cleanly on SIGTERM. Each service's tests call this.
 */
export function describeServiceBasics(name: ServiceName, options: ServiceSuiteOptions): void {
  describe(`${name} service process`, () => {
    describe('with its engines running', () => {
      let service: ServiceProcess;
      beforeAll(async () => {
        service = await startServiceProcess(name, serviceEnv(`basics_${name}_${process.pid}`));
      });
      afterAll(async () => {
        expect(await service.stop('SIGTERM')).toBe(0);
      });

      it('answers /health', async () => {
        const res = await fetch(`${service.url}/health`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ status: 'ok' });
      });

      it('becomes ready once every dependency answers', async () => {
        await waitFor(async () => (await fetch(`${service.url}/ready`)).status === 200, {
          timeoutMs: 30_000,
          message: `${name} /ready to answer 200`,
        });
        const body = (await (await fetch(`${service.url}/ready`)).json()) as {
          dependencies: { name: string }[];
        };
        expect(body.dependencies.map((d) => d.name)).toEqual(options.dependencies);
      });

      it('serves an exposition promtool finds nothing to say about', async () => {
        await fetch(`${service.url}/no/such/route`);
        const res = await fetch(`${service.url}/metrics`);
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(text).toContain(`service_name="${name}"`);
        expect(text).toContain('http_requests_total{handler="unmatched",method="GET",status="4xx"} 1');
        expect(promtoolCheckMetrics(text)).toBe('');
      });

      it('reports each dependency as service_dependency_up', async () => {
        const series = options.dependencies.map(
          (d) => `service_dependency_up{dependency="${d}",required="true"} 1`,
        );
        await waitFor(
          async () => {
            const text = await (await fetch(`${service.url}/metrics`)).text();
            return series.every((line) => text.includes(line));
          },
          { timeoutMs: 30_000, message: `${series.join(', ')} in /metrics` },
        );
      });
    });

    it('starts while its dependencies are unreachable, and /ready names each', async () => {
      const nowhere = `127.0.0.1:${await getFreePort()}`;
      const service = await startServiceProcess(name, {
        KAFKA_BROKERS: nowhere,
        MONGO_URL: `mongodb://${nowhere}`,
        S3_ENDPOINT: `http://${nowhere}`,
      });
      try {
        expect((await fetch(`${service.url}/health`)).status).toBe(200);
        const ready = await fetch(`${service.url}/ready`);
        expect(ready.status).toBe(503);
        const body = (await ready.json()) as { dependencies: { name: string; status: string }[] };
        expect(body.dependencies).toEqual(
          options.dependencies.map((dependency) =>
            expect.objectContaining({ name: dependency, status: 'down' }),
          ),
        );
      } finally {
        expect(await service.stop('SIGTERM')).toBe(0);
      }
    });

    it('serves no /metrics with ENABLE_METRICS=false', async () => {
      const service = await startServiceProcess(name, {
        ...serviceEnv(`off_${name}`),
        ENABLE_METRICS: 'false',
      });
      try {
        expect((await fetch(`${service.url}/metrics`)).status).toBe(404);
        expect((await fetch(`${service.url}/health`)).status).toBe(200);
      } finally {
        expect(await service.stop('SIGTERM')).toBe(0);
      }
    });

    it('refuses to start on a bad configuration, naming the variable', async () => {
      await expect(startServiceProcess(name, { LOG_LEVEL: 'loud' })).rejects.toThrow(
        new RegExp(`${name} failed to start: Invalid configuration:\\n  - LOG_LEVEL`),
      );
    });
  });
}
