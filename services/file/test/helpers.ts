import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createEvent, TOPICS } from '@support-center/events';
import {
  kafkaBrokers,
  startTestIssuer,
  waitFor,
  type TestIssuer,
  type TestNamespace,
  type TestUser,
} from '@support-center/testing';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';

// The pinned SDK warns once per process on Node 20 (see README); the service processes are told the same.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const users = {
  alice: { id: 'u-alice', username: 'alice', role: 'employee' },
  bob: { id: 'u-bob', username: 'bob', role: 'employee' },
  agent: { id: 'u-agent', username: 'agent', role: 'agent' },
  admin: { id: 'u-admin', username: 'admin', role: 'admin' },
} satisfies Record<string, TestUser>;

/** A 1×1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** A PDF-looking file of `size` bytes: the magic number, then filler. */
export function pdf(size: number): Buffer {
  const body = Buffer.alloc(size, 0x20);
  Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1').copy(body);
  return body;
}

/** A Windows executable header: what a disguised `.pdf` really is. */
export const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(510, 0x90)]);

/** An ASF header whose first object claims a size of 0: file-type 16 alone never returns on it. */
export const MALFORMED_ASF = Buffer.concat([
  Buffer.from('3026b2758e66cf11a6d900aa0062ce6c', 'hex'),
  Buffer.alloc(4084),
]);

export interface UploadInput {
  ticketId?: string;
  filename: string;
  /** The content: one buffer, or chunks streamed one after the other. */
  content: Buffer | AsyncIterable<Buffer> | Iterable<Buffer>;
  fieldsAfterFile?: boolean;
}

/** A streamed multipart/form-data body: `ticketId` then `file`, never assembled in memory. */
export function multipart(input: UploadInput): { body: ReadableStream; contentType: string } {
  const boundary = `----test${randomBytes(8).toString('hex')}`;
  const ticketPart =
    input.ticketId === undefined
      ? ''
      : `--${boundary}\r\nContent-Disposition: form-data; name="ticketId"\r\n\r\n${input.ticketId}\r\n`;
  const fileHeader =
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${input.filename}"\r\n` +
    'Content-Type: application/octet-stream\r\n\r\n';
  async function* parts(): AsyncGenerator<Buffer> {
    if (!input.fieldsAfterFile) yield Buffer.from(ticketPart);
    yield Buffer.from(fileHeader, 'utf8');
    if (Buffer.isBuffer(input.content)) yield input.content;
    else for await (const chunk of input.content) yield chunk;
    yield Buffer.from('\r\n');
    if (input.fieldsAfterFile) yield Buffer.from(ticketPart);
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  return {
    body: Readable.toWeb(Readable.from(parts(), { objectMode: false })) as ReadableStream,
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

export interface FileClient {
  upload(user: TestUser | undefined, input: UploadInput): Promise<Response>;
  get(user: TestUser | undefined, path: string, headers?: Record<string, string>): Promise<Response>;
  remove(user: TestUser, id: string): Promise<Response>;
}

export function fileClient(baseUrl: string, issuer: TestIssuer): FileClient {
  const authorization = async (user: TestUser | undefined): Promise<Record<string, string>> =>
    user ? { Authorization: `Bearer ${await issuer.token(user)}` } : {};
  return {
    async upload(user, input) {
      const { body, contentType } = multipart(input);
      return fetch(`${baseUrl}/api/v1/files`, {
        method: 'POST',
        headers: { 'Content-Type': contentType, ...(await authorization(user)) },
        body,
        duplex: 'half',
      } as RequestInit);
    },
    async get(user, path, headers = {}) {
      return fetch(`${baseUrl}/api/v1/files/${path}`, {
        headers: { ...headers, ...(await authorization(user)) },
      });
    },
    async remove(user, id) {
      return fetch(`${baseUrl}/api/v1/files/${id}`, { method: 'DELETE', headers: await authorization(user) });
    },
  };
}

export { startTestIssuer };

/** Keys of the objects in a bucket. */
export async function listObjects(endpoint: string, bucket: string): Promise<string[]> {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const result = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (result.Contents ?? []).map((o) => o.Key ?? '');
  } finally {
    client.destroy();
  }
}

/** The documents of the service's `files` collection (deleted ones included). */
export async function fileDocuments(mongoUrl: string): Promise<Record<string, unknown>[]> {
  const connection = await mongoose.createConnection(mongoUrl).asPromise();
  try {
    return await connection.collection('files').find({}).toArray();
  } finally {
    await connection.close();
  }
}

/** `size` bytes of pseudo-random content in 64 KiB chunks, generated as they are read. */
export async function* generated(size: number, seed = 1): AsyncGenerator<Buffer> {
  const chunk = Buffer.alloc(64 * 1024);
  let state = seed;
  for (let sent = 0; sent < size; sent += chunk.length) {
    for (let i = 0; i < chunk.length; i += 4) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      chunk.writeUInt32LE(state, i);
    }
    const length = Math.min(chunk.length, size - sent);
    yield Buffer.from(chunk.subarray(0, length));
  }
}

/** A `ticket.created` event as the ticket service publishes it. */
export function ticketCreated(ticketId: string, requesterId: string) {
  return createEvent(
    'ticket.created',
    {
      ticketId,
      number: 1,
      requesterId,
      assigneeId: null,
      title: 'printer',
      category: 'hardware',
      priority: 'low',
      status: 'open',
      createdAt: new Date().toISOString(),
    },
    { source: '/support-center/ticket' },
  );
}

/**
 * Tells the file service of a namespace about tickets (id → requester) the way the ticket service
 * does, on the tickets topic, and waits until its projection holds them: uploads need a known ticket.
 */
export async function announceTickets(ns: TestNamespace, tickets: Record<string, string>): Promise<void> {
  const kafka = new Kafka({
    clientId: 'file-test-tickets',
    brokers: kafkaBrokers(),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const connection = await mongoose.createConnection(ns.mongoUrl('files')).asPromise();
  try {
    await admin.connect();
    // The service creates its topics once Kafka answers.
    await waitFor(async () => (await admin.listTopics()).includes(ns.topic(TOPICS.tickets)), {
      timeoutMs: 30_000,
      message: 'the file service to create its topics',
    });
    await producer.connect();
    await producer.send({
      topic: ns.topic(TOPICS.tickets),
      messages: Object.entries(tickets).map(([ticketId, requesterId]) => ({
        key: ticketId,
        value: JSON.stringify(ticketCreated(ticketId, requesterId)),
      })),
    });
    const ids = Object.keys(tickets);
    await waitFor(
      async () =>
        (await connection.collection('ticket_access').countDocuments({ _id: { $in: ids } } as object)) ===
        ids.length,
      { timeoutMs: 30_000, message: `the file service to learn of tickets ${ids.join(', ')}` },
    );
  } finally {
    await producer.disconnect();
    await admin.disconnect();
    await connection.close();
  }
}
