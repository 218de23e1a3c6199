import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort, runGateway, type RunningGateway } from './support/servers';
import { readRepoFile } from './support/repo';
import { requireTool } from './support/tools';

/**
 * The gateway in front of two replicas of a service, one of them failing, as in the
 * rehearsal's crash and rolling deploy (infra/images): a GET must reach the healthy replica
 * whatever the failing one does, and a write must run on one replica only, never twice.
 * Docker's DNS gives the production gateway every replica's address; here the service name
 * names an upstream group of two local servers, which nginx tries in the same way.
 */
const conf = readRepoFile('infra/gateway/nginx.conf');

interface Replica {
  server: Server;
  address: string;
  seen: { method: string; url: string }[];
}

async function replica(status: number): Promise<Replica> {
  const seen: Replica['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '' });
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, address: `127.0.0.1:${port}`, seen };
}

async function gatewayFor(addresses: string[]): Promise<RunningGateway> {
  const group = `upstream replicas {\n${addresses.map((a) => `    server ${a};\n`).join('')}  }\n`;
  return runGateway(
    requireTool('nginx', 'nginx'),
    conf.replace(/^http \{\n/m, `http {\n  ${group}`),
    'http://replicas',
  );
}

const send = async (gateway: RunningGateway, method: string, index: number) =>
  (
    await fetch(`${gateway.url}/api/v1/tickets${method === 'GET' ? `?n=${index}` : ''}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify({ n: index }),
    })
  ).status;

describe('the gateway in front of two replicas, one failing', () => {
  let healthy: Replica;
  let gateway: RunningGateway | undefined;

  beforeEach(async () => {
    healthy = await replica(200);
  });
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    await new Promise((resolve) => healthy.server.close(resolve));
  });

  it('passes every request to the other replica when one accepts no connection (crashed, stopped)', async () => {
    gateway = await gatewayFor([`127.0.0.1:${await freePort()}`, healthy.address]);
    const statuses = [];
    for (let i = 0; i < 20; i += 1) statuses.push(await send(gateway, i % 2 ? 'POST' : 'GET', i));
    expect(statuses).toEqual(Array(20).fill(200));
    // Nothing reached the dead replica, so even the writes were safe to pass on: each ran once.
    expect(healthy.seen).toHaveLength(20);
  });

  it.each([502, 503, 504])(
    'passes a GET answered %i (a replica stopping, or not ready yet) on, and never runs a write twice',
    async (status) => {
      const failing = await replica(status);
      try {
        gateway = await gatewayFor([failing.address, healthy.address]);
        const gets = await Promise.all(Array.from({ length: 20 }, (_, i) => send(gateway!, 'GET', i)));
        expect(gets).toEqual(Array(20).fill(200));

        const posts = await Promise.all(Array.from({ length: 20 }, (_, i) => send(gateway!, 'POST', i)));
        const postsSeen = (r: Replica) => r.seen.filter((s) => s.method === 'POST').length;
        // A write that reached the failing replica got its answer there and went nowhere else.
        expect(postsSeen(failing) + postsSeen(healthy)).toBe(20);
        expect(posts.filter((s) => s !== 200)).toHaveLength(postsSeen(failing));
      } finally {
        await new Promise((resolve) => failing.server.close(resolve));
      }
    },
  );
});
