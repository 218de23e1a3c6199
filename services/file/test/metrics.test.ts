import {
  parseExposition,
  sampleValue,
  serviceEnv,
  startServiceProcess,
  testNamespace,
  waitFor,
  type ServiceProcess,
  type TestIssuer,
} from '@support-center/testing';
import {
  announceTickets,
  EXE,
  fileClient,
  fileDocuments,
  generated,
  listObjects,
  pdf,
  PNG,
  startTestIssuer,
  users,
  type FileClient,
} from './helpers';

const ns = testNamespace('file_metrics');
const env = serviceEnv(ns.database('files'));
const MiB = 1024 * 1024;

describe('file metrics and the size limit', () => {
  let issuer: TestIssuer;
  let service: ServiceProcess;
  let client: FileClient;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    service = await startServiceProcess('file', {
      ...env,
      AUTH_JWKS_URL: issuer.jwksUrl,
      KAFKA_TOPIC_PREFIX: ns.topicPrefix,
      FILE_MAX_BYTES: String(6 * MiB),
    });
    client = fileClient(service.url, issuer);
    await waitFor(async () => (await fetch(`${service.url}/ready`)).status === 200, {
      timeoutMs: 30_000,
      message: 'file /ready',
    });
    await announceTickets(ns, { 't-1': users.alice.id });
  }, 90_000);

  afterAll(async () => {
    const code = await service?.stop();
    if (code !== 0) process.stderr.write(service.output());
    expect(code).toBe(0);
    await issuer?.close();
  });

  it('refuses a file over FILE_MAX_BYTES with 413 while streaming, leaving nothing behind', async () => {
    // 7 MiB: the first 5 MiB part is already in the store's multipart upload when the limit hits.
    const res = await client.upload(users.alice, {
      ticketId: 't-1',
      filename: 'big.pdf',
      content: (async function* () {
        let first = true;
        for await (const chunk of generated(7 * MiB)) {
          if (first) pdf(64).copy(chunk);
          first = false;
          yield chunk;
        }
      })(),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: expect.objectContaining({
        code: 'PAYLOAD_TOO_LARGE',
        details: [{ field: 'file', message: `must be at most ${6 * MiB} bytes` }],
      }),
    });
    expect(await listObjects(env.S3_ENDPOINT as string, env.S3_BUCKET as string)).toEqual([]);
    expect(await fileDocuments(ns.mongoUrl('files'))).toEqual([]);
  });

  it('counts exactly what a scripted sequence did', async () => {
    const png = await client.upload(users.alice, { ticketId: 't-1', filename: 'a.png', content: PNG });
    expect(png.status).toBe(201);
    const report = pdf(2_000_000);
    const big = await client.upload(users.alice, { ticketId: 't-1', filename: 'r.pdf', content: report });
    expect(big.status).toBe(201);
    const { id } = (await big.json()) as { id: string };
    expect(
      (await client.upload(users.alice, { ticketId: 't-1', filename: 'x.pdf', content: EXE })).status,
    ).toBe(415);
    expect((await client.get(users.alice, id)).status).toBe(200);
    await (await client.get(users.alice, id, { Range: 'bytes=0-9' })).arrayBuffer();
    expect((await client.remove(users.alice, id)).status).toBe(204);

    const families = parseExposition(await (await fetch(`${service.url}/metrics`)).text());
    const value = (name: string, labels: Record<string, string>) => sampleValue(families, name, labels);

    expect(value('file_uploads_total', { file_type: 'image', size_bucket: '0-100KB' })).toBe(1);
    expect(value('file_uploads_total', { file_type: 'pdf', size_bucket: '1-5MB' })).toBe(1);
    expect(value('file_upload_size_bytes_count', { file_type: 'pdf' })).toBe(1);
    expect(value('file_upload_size_bytes_sum', { file_type: 'pdf' })).toBe(2_000_000);
    expect(value('file_upload_size_bytes_sum', { file_type: 'image' })).toBe(PNG.length);
    expect(value('file_upload_size_bytes_bucket', { file_type: 'pdf', le: '1000000' })).toBe(0);
    expect(value('file_upload_size_bytes_bucket', { file_type: 'pdf', le: '5000000' })).toBe(1);
    expect(value('file_upload_duration_seconds_count', { file_type: 'image' })).toBe(1);
    expect(value('file_upload_duration_seconds_count', { file_type: 'pdf' })).toBe(1);

    // Counting the earlier test's 413 as well: the store's upload was stopped on purpose.
    expect(value('minio_operations_total', { operation: 'create_bucket', status: 'success' })).toBe(1);
    expect(value('minio_operations_total', { operation: 'upload', status: 'success' })).toBe(2);
    expect(value('minio_operations_total', { operation: 'upload', status: 'aborted' })).toBe(1);
    expect(value('minio_operations_total', { operation: 'download', status: 'success' })).toBe(2);
    expect(value('minio_operations_total', { operation: 'delete', status: 'success' })).toBe(1);
    expect(value('minio_operation_duration_seconds_count', { operation: 'upload' })).toBe(3);
    expect(value('minio_operation_duration_seconds_count', { operation: 'download' })).toBe(2);

    const series = (name: string) => families.get(name)?.samples ?? [];
    expect(series('file_uploads_total')).toHaveLength(2);
    expect(
      series('minio_operations_total')
        .map((s) => s.labels.status)
        .sort(),
    ).toEqual(['aborted', 'success', 'success', 'success', 'success']);
  });
});
