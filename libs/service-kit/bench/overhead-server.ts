/**
 * The server side of the overhead benchmark: a service built with the kit, with one cheap JSON
 * route (the shape of a cached ticket read), so the instrumentation is most of what differs.
 * Telemetry starts first, as in a service's main.ts.
 */
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { startTelemetry } from '@support-center/telemetry';

const telemetry = startTelemetry({ serviceName: 'bench', serviceVersion: '0.0.0' });
// What a service does once it has published or consumed an event: with a context manager
// registered (traces exported), this switches on the per-promise context tracking for good.
context.with(ROOT_CONTEXT, () => {});

async function main(): Promise<void> {
  const { baseConfigSchema, loadConfig, startService } = await import('@support-center/service-kit');
  const config = loadConfig(baseConfigSchema({ port: 0, mongoDb: 'bench' }));
  const item = {
    id: '',
    title: 'Printer on floor 3 is jammed',
    status: 'open',
    priority: 'high',
    tags: ['printer'],
  };
  const { port } = await startService({
    name: 'bench',
    config,
    telemetry,
    dependencies: () => [],
    build: () => ({
      routes: (app) => {
        app.get('/api/v1/items/:id', (req, res) => {
          res.json({ ...item, id: req.params.id });
        });
        // CPU time of this process, so the client can compute CPU per request.
        app.get('/bench/cpu', (_req, res) => {
          res.json(process.cpuUsage());
        });
      },
    }),
  });
  process.stdout.write(`listening ${port}\n`);
}

void main();
