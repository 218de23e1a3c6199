import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEngine, type EngineProcess } from '@support-center/engines';
import {
  serviceEnv,
  startServiceProcess,
  testNamespace,
  waitFor,
  type ServiceProcess,
  type TestIssuer,
} from '@support-center/testing';
import {
  announceTickets,
  fileClient,
  fileDocuments,
  pdf,
  startTestIssuer,
  users,
  type FileClient,
} from './helpers';

const ns = testNamespace('file_s3_down');

describe('when the object store is down', () => {
  let dataDir: string;
  let s3: EngineProcess;
  let issuer: TestIssuer;
  let service: ServiceProcess;
  let client: FileClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'file-s3-'));
    s3 = await startEngine('s3', { dataDir });
    issuer = await startTestIssuer();
    service = await startServiceProcess('file', {
      ...serviceEnv(ns.database('files')),
      S3_ENDPOINT: s3.url,
      AUTH_JWKS_URL: issuer.jwksUrl,
      KAFKA_TOPIC_PREFIX: ns.topicPrefix,
    });
    client = fileClient(service.url, issuer);
    await waitFor(async () => (await fetch(`${service.url}/ready`)).status === 200, {
      timeoutMs: 30_000,
      message: 'file /ready',
    });
    await announceTickets(ns, { 't-1': users.alice.id });
  }, 90_000);

  afterAll(async () => {
    await service?.stop();
    await s3?.stop();
    await issuer?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers uploads with 503 and a clear error, and keeps no metadata', async () => {
    const stored = await client.upload(users.alice, {
      ticketId: 't-1',
      filename: 'before.pdf',
      content: pdf(1000),
    });
    expect(stored.status).toBe(201);
    const { id } = (await stored.json()) as { id: string };

    await s3.stop();
    for (const size of [1000, 6 * 1024 * 1024]) {
      const res = await client.upload(users.alice, {
        ticketId: 't-1',
        filename: 'during.pdf',
        content: pdf(size),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: expect.objectContaining({
          code: 'DEPENDENCY_UNAVAILABLE',
          message: 'The object store is unavailable; try again shortly',
        }),
      });
    }
    expect((await fileDocuments(ns.mongoUrl('files'))).map((d) => d._id)).toEqual([id]);

    // Reading and deleting need the store too.
    expect((await client.get(users.alice, id)).status).toBe(503);
    expect((await client.remove(users.alice, id)).status).toBe(503);
    expect((await client.get(users.alice, `${id}/meta`)).status).toBe(200);
  });
});
