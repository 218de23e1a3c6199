import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { TOPICS } from '@support-center/events';
import {
  kafkaBrokers,
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
  MALFORMED_ASF,
  pdf,
  PNG,
  startTestIssuer,
  ticketCreated,
  users,
  type FileClient,
} from './helpers';

const ns = testNamespace('file_api');
const env = serviceEnv(ns.database('files'));
const MiB = 1024 * 1024;
/** How long the service waits for a ticket it has not heard of before answering 404. */
const UNKNOWN_TICKET_WAIT_MS = 3_000;

interface Uploaded {
  id: string;
  name: string;
  size: number;
  sha256: string;
  contentType: string;
  ticketId: string;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Resident set of a process now, and its peak since the last reset, in bytes (Linux). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

describe('file service API', () => {
  let issuer: TestIssuer;
  let service: ServiceProcess;
  let client: FileClient;
  let kafka: Kafka;
  let producer: Producer;
  let consumer: Consumer;
  const received: { type: string; key: string; data: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    issuer = await startTestIssuer();
    service = await startServiceProcess('file', {
      ...env,
      AUTH_JWKS_URL: issuer.jwksUrl,
      KAFKA_TOPIC_PREFIX: ns.topicPrefix,
      FILE_MAX_BYTES: String(64 * MiB),
      OUTBOX_POLL_INTERVAL_MS: '200',
      FILE_UNKNOWN_TICKET_WAIT_MS: String(UNKNOWN_TICKET_WAIT_MS),
      // A heap this small could never hold a 50 MB upload.
      NODE_OPTIONS: '--max-old-space-size=64',
    });
    client = fileClient(service.url, issuer);
    await waitFor(async () => (await fetch(`${service.url}/ready`)).status === 200, {
      timeoutMs: 30_000,
      message: 'file /ready',
    });
    kafka = new Kafka({ clientId: 'file-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
    consumer = kafka.consumer({ groupId: ns.group('observer') });
    await consumer.connect();
    // The service creates its topics once Kafka answers.
    const admin = kafka.admin();
    await admin.connect();
    await waitFor(async () => (await admin.listTopics()).includes(ns.topic(TOPICS.tickets)), {
      timeoutMs: 30_000,
      message: 'the service to create its topics',
    });
    await admin.disconnect();
    await announceTickets(ns, {
      't-1': users.alice.id,
      't-big': users.alice.id,
      't-private': users.alice.id,
      't-events': users.alice.id,
      't-bob': users.bob.id,
    });
    await consumer.subscribe({ topic: ns.topic(TOPICS.files), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(String(message.value)) as { type: string; data: Record<string, unknown> };
        received.push({ type: event.type, key: String(message.key), data: event.data });
      },
    });
  }, 90_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    const code = await service?.stop();
    if (code !== 0) process.stderr.write(service.output());
    expect(code).toBe(0);
    await issuer?.close();
  });

  async function upload(
    user: (typeof users)[keyof typeof users],
    filename: string,
    content: Buffer,
    ticketId = 't-1',
  ) {
    const res = await client.upload(user, { ticketId, filename, content });
    const body = (await res.json()) as Uploaded & { error?: { code: string; message: string } };
    return { status: res.status, body };
  }

  describe('upload and download', () => {
    it('stores a file and gives back the same bytes, name, type and sha256', async () => {
      const { status, body } = await upload(users.alice, 'screen shot.png', PNG);
      expect(status).toBe(201);
      expect(body).toEqual({
        id: expect.any(String),
        name: 'screen shot.png',
        size: PNG.length,
        sha256: sha256(PNG),
        contentType: 'image/png',
        ticketId: 't-1',
      });

      const res = await client.get(users.alice, body.id);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="screen shot.png"; filename*=UTF-8''screen%20shot.png`,
      );
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(body.sha256);

      const meta = await client.get(users.alice, `${body.id}/meta`);
      expect(await meta.json()).toEqual({
        ...body,
        uploaderId: users.alice.id,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    });

    it('streams a 50 MB file through while the process stays within a fixed memory budget', async () => {
      const size = 50 * 1000 * 1000;
      const hash = createHash('sha256');
      async function* content() {
        let first = true;
        for await (const chunk of generated(size)) {
          if (first) pdf(64).copy(chunk);
          first = false;
          hash.update(chunk);
          yield chunk;
        }
      }
      const pid = service.child.pid as number;
      const before = memoryOf(pid);
      writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets the peak (VmHWM) to the current RSS

      const res = await client.upload(users.agent, {
        ticketId: 't-big',
        filename: 'dump.pdf',
        content: content(),
      });
      const body = (await res.json()) as Uploaded;
      expect(res.status).toBe(201);
      expect(body.size).toBe(size);
      expect(body.sha256).toBe(hash.digest('hex'));

      const download = await client.get(users.agent, body.id);
      const downloaded = createHash('sha256');
      let length = 0;
      for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) {
        downloaded.update(chunk);
        length += chunk.length;
      }
      expect(length).toBe(size);
      expect(downloaded.digest('hex')).toBe(body.sha256);

      const growth = memoryOf(pid).peak - before.rss;
      process.stdout.write(
        `50 MB round trip: RSS before ${(before.rss / MiB).toFixed(1)} MiB, peak ${(memoryOf(pid).peak / MiB).toFixed(1)} MiB, growth ${(growth / MiB).toFixed(1)} MiB\n`,
      );
      // Buffering the file would need ≥ 50 MB on top of the baseline; streaming holds a few parts.
      expect(growth).toBeLessThan(45 * MiB);
    }, 120_000);

    it('answers Range requests with 206 and Content-Range, and 416 when nothing is selected', async () => {
      const content = pdf(10_000);
      const { body } = await upload(users.alice, 'report.pdf', content);

      const first = await client.get(users.alice, body.id, { Range: 'bytes=0-99' });
      expect(first.status).toBe(206);
      expect(first.headers.get('content-range')).toBe('bytes 0-99/10000');
      expect(first.headers.get('content-length')).toBe('100');
      expect(Buffer.from(await first.arrayBuffer())).toEqual(content.subarray(0, 100));

      const tail = await client.get(users.alice, body.id, { Range: 'bytes=-10' });
      expect(tail.status).toBe(206);
      expect(tail.headers.get('content-range')).toBe('bytes 9990-9999/10000');
      expect(Buffer.from(await tail.arrayBuffer())).toEqual(content.subarray(9990));

      const open = await client.get(users.alice, body.id, { Range: 'bytes=9000-' });
      expect(open.headers.get('content-range')).toBe('bytes 9000-9999/10000');
      expect((await open.arrayBuffer()).byteLength).toBe(1000);

      const outside = await client.get(users.alice, body.id, { Range: 'bytes=10000-10010' });
      expect(outside.status).toBe(416);
      expect(outside.headers.get('content-range')).toBe('bytes */10000');
      expect(((await outside.json()) as { error: { code: string } }).error.code).toBe(
        'RANGE_NOT_SATISFIABLE',
      );
    });
  });

  describe('content checks', () => {
    it('refuses an executable named .pdf with 415 and keeps nothing', async () => {
      const before = await listObjects(env.S3_ENDPOINT as string, env.S3_BUCKET as string);
      const { status, body } = await upload(users.alice, 'invoice.pdf', EXE);
      expect(status).toBe(415);
      expect(body.error).toEqual(
        expect.objectContaining({
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: expect.stringMatching(/executable/),
        }),
      );
      expect(await listObjects(env.S3_ENDPOINT as string, env.S3_BUCKET as string)).toEqual(before);
    });

    it('refuses content that does not match the extension, and extensions not on the allow-list', async () => {
      expect((await upload(users.alice, 'photo.pdf', PNG)).status).toBe(415);
      expect((await upload(users.alice, 'notes.txt', EXE)).status).toBe(415);
      expect((await upload(users.alice, 'setup.exe', Buffer.from('hello'))).status).toBe(415);
      expect((await upload(users.alice, 'noextension', Buffer.from('hello'))).status).toBe(415);
    });

    it('refuses a malformed ASF head that would hang the type detection, and keeps answering', async () => {
      const { status, body } = await upload(users.alice, 'report.pdf', MALFORMED_ASF);
      expect(status).toBe(415);
      expect(body.error?.message).toMatch(/vnd\.ms-asf/);
      expect((await upload(users.alice, 'report.pdf', pdf(1000))).status).toBe(201);
    });

    it('sanitizes traversal and control characters out of names', async () => {
      const traversal = await upload(users.alice, '../../../etc/passwd.txt', Buffer.from('root:x:0:0'));
      expect(traversal.status).toBe(201);
      expect(traversal.body.name).toBe('passwd.txt');

      const windows = await upload(users.alice, '..\\\\..\\\\boot.ini.txt', Buffer.from('x'));
      expect(windows.body.name).toBe('boot.ini.txt');

      const hidden = await upload(users.alice, '..evil\u202Etxt.exe.txt', Buffer.from('x'));
      expect(hidden.body.name).toBe('eviltxt.exe.txt');

      const long = await upload(users.alice, `${'é'.repeat(300)}.txt`, Buffer.from('x'));
      expect(Buffer.byteLength(long.body.name)).toBeLessThanOrEqual(255);
      expect(long.body.name.endsWith('.txt')).toBe(true);

      const res = await client.get(users.alice, long.body.id);
      expect(res.headers.get('content-disposition')).toMatch(/filename\*=UTF-8''(%C3%A9)+\.txt$/);
    });

    it('requires the ticketId before the file', async () => {
      const res = await client.upload(users.alice, { filename: 'a.txt', content: Buffer.from('x') });
      expect(res.status).toBe(422);
      const late = await client.upload(users.alice, {
        ticketId: 't-1',
        filename: 'a.txt',
        content: Buffer.from('x'),
        fieldsAfterFile: true,
      });
      expect(late.status).toBe(422);
      expect(
        ((await late.json()) as { error: { details: { field: string }[] } }).error.details[0]?.field,
      ).toBe('ticketId');
    });
  });

  describe('malformed bodies', () => {
    /** Sends a raw multipart body as is (Content-Length set, so it ends where it ends). */
    async function sendRaw(body: string): Promise<{ status: number; body: unknown }> {
      const res = await fetch(`${service.url}/api/v1/files`, {
        method: 'POST',
        headers: {
          'Content-Type': 'multipart/form-data; boundary=XX',
          Authorization: `Bearer ${await issuer.token(users.alice)}`,
        },
        body,
      });
      return { status: res.status, body: await res.json() };
    }

    it('answers 400 to a body that ends inside the file part, and keeps serving', async () => {
      const ticketField = '--XX\r\nContent-Disposition: form-data; name="ticketId"\r\n\r\nt-1\r\n';
      const filePart = '--XX\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nabc';
      const malformed = {
        status: 400,
        body: { error: { code: 'BAD_REQUEST', message: 'The multipart body is malformed or incomplete' } },
      };
      const cases: [string, unknown][] = [
        // The file part waits for the ticket lookup while its stream fails.
        [ticketField + filePart, malformed],
        [`${ticketField + filePart}\r\n--X`, malformed],
        // The form's first problem is the missing ticket id; the stream fails afterwards.
        [filePart, expect.objectContaining({ status: 422 })],
      ];
      for (const [body, answer] of cases) {
        expect(await sendRaw(body)).toEqual(answer);
        expect(service.child.exitCode).toBeNull();
        expect((await fetch(`${service.url}/health`)).status).toBe(200);
      }
      expect((await upload(users.alice, 'after.txt', Buffer.from('still here'))).status).toBe(201);
    });
  });

  describe('access', () => {
    it('answers 401 without a token, and another employee as if the file did not exist', async () => {
      const { body } = await upload(users.alice, 'private.txt', Buffer.from('secret'), 't-private');
      const anonymous = await client.get(undefined, body.id);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
      expect((await client.get(users.agent, body.id)).status).toBe(200);
      expect((await client.get(users.admin, `${body.id}/meta`)).status).toBe(200);
      expect(
        (await client.upload(undefined, { ticketId: 't-1', filename: 'a.txt', content: Buffer.from('x') }))
          .status,
      ).toBe(401);

      // No existence oracle: bob gets for alice's file exactly what he gets for no file at all.
      const missing = 'a6f1c1e4-0000-4000-8000-000000000000';
      for (const [foreign, absent] of [
        [() => client.get(users.bob, body.id), () => client.get(users.bob, missing)],
        [() => client.get(users.bob, `${body.id}/meta`), () => client.get(users.bob, `${missing}/meta`)],
        [() => client.remove(users.bob, body.id), () => client.remove(users.bob, missing)],
      ] as const) {
        const [a, b] = [await foreign(), await absent()];
        expect({ status: a.status, body: await a.json() }).toEqual({
          status: b.status,
          body: await b.json(),
        });
        expect(a.status).toBe(404);
      }
      expect((await client.get(users.alice, body.id)).status).toBe(200);
    });

    it("lets the requester of the file's ticket read it, and no one attach to someone else's ticket", async () => {
      const { status, body } = await upload(users.agent, 'fix.txt', Buffer.from('try this'), 't-bob');
      expect(status).toBe(201);
      expect((await client.get(users.bob, body.id)).status).toBe(200);
      expect((await client.get(users.alice, body.id)).status).toBe(404);
      // The requester may delete only what they uploaded.
      expect((await client.remove(users.bob, body.id)).status).toBe(403);

      // An employee attaching to someone else's ticket hears what an unknown ticket answers.
      const foreign = await upload(users.alice, 'x.txt', Buffer.from('x'), 't-bob');
      const unknown = await upload(users.alice, 'x.txt', Buffer.from('x'), 't-never-announced');
      expect(foreign).toEqual(unknown);
      expect(foreign).toEqual({
        status: 404,
        body: { error: { code: 'NOT_FOUND', message: 'Ticket not found' } },
      });
    });

    it('refuses uploads to a ticket it never heard of with 404, after waiting, and stores nothing', async () => {
      const objectsBefore = await listObjects(env.S3_ENDPOINT as string, env.S3_BUCKET as string);
      for (const user of [users.alice, users.agent, users.admin]) {
        const started = Date.now();
        const { status, body } = await upload(user, 'planted.pdf', pdf(2000), `t-unknown-${user.id}`);
        expect({ status, body }).toEqual({
          status: 404,
          body: { error: { code: 'NOT_FOUND', message: 'Ticket not found' } },
        });
        // The answer came only after the configured wait for the ticket's events.
        expect(Date.now() - started).toBeGreaterThanOrEqual(UNKNOWN_TICKET_WAIT_MS);
      }
      expect(await listObjects(env.S3_ENDPOINT as string, env.S3_BUCKET as string)).toEqual(objectsBefore);
      const docs = await fileDocuments(ns.mongoUrl('files'));
      expect(docs.filter((d) => String(d.ticketId).startsWith('t-unknown-'))).toEqual([]);
    });

    it('accepts an upload sent before the ticket event, once the event arrives within the wait', async () => {
      const pending = upload(users.alice, 'early.txt', Buffer.from('right after creating'), 't-late');
      await producer.send({
        topic: ns.topic(TOPICS.tickets),
        messages: [{ key: 't-late', value: JSON.stringify(ticketCreated('t-late', users.alice.id)) }],
      });
      const { status, body } = await pending;
      expect(status).toBe(201);
      expect(body.ticketId).toBe('t-late');
    });

    it('lets the uploader delete, then the file and its object are gone', async () => {
      const { body } = await upload(users.alice, 'old.txt', Buffer.from('old'));
      const res = await client.remove(users.alice, body.id);
      expect(res.status).toBe(204);
      expect((await client.get(users.alice, body.id)).status).toBe(404);
      expect((await client.remove(users.alice, body.id)).status).toBe(404);
      expect(await listObjects(env.S3_ENDPOINT as string, env.S3_BUCKET as string)).not.toContain(body.id);
    });
  });

  it('publishes file.uploaded and file.deleted on the files topic, keyed by ticket', async () => {
    const { body } = await upload(users.alice, 'event.txt', Buffer.from('event'), 't-events');
    await client.remove(users.agent, body.id);
    await waitFor(() => received.filter((e) => e.data.fileId === body.id).length === 2, {
      timeoutMs: 30_000,
      message: 'both events',
    });
    const events = received.filter((e) => e.data.fileId === body.id);
    expect(events).toEqual([
      {
        type: 'file.uploaded',
        key: 't-events',
        data: {
          fileId: body.id,
          ticketId: 't-events',
          name: 'event.txt',
          size: 5,
          contentType: 'text/plain; charset=utf-8',
          sha256: sha256(Buffer.from('event')),
          uploaderId: users.alice.id,
        },
      },
      {
        type: 'file.deleted',
        key: 't-events',
        data: { fileId: body.id, ticketId: 't-events', deletedBy: users.agent.id },
      },
    ]);
    const docs = await fileDocuments(ns.mongoUrl('files'));
    expect(docs.find((d) => d._id === body.id)).toEqual(
      expect.objectContaining({ deletedBy: users.agent.id }),
    );
  });
});
