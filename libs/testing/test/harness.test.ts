import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { kafkaBrokers, mongoUrlFor, s3Endpoint, testNamespace } from '../src';
import { startHarnessEngines, stopHarnessEngines } from '../src/run-engines';

describe('jest global setup', () => {
  const ns = testNamespace('harness');

  it('gives the workers a Kafka that accepts topics and messages', async () => {
    const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    try {
      const topic = ns.topic('ping');
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      const [result] = await producer.send({ topic, messages: [{ value: 'ping' }] });
      expect(result?.errorCode).toBe(0);
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets[0]?.high).toBe('1');
    } finally {
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    }
  });

  it('gives the workers a MongoDB-compatible server behind MONGO_URL', async () => {
    const connection = await mongoose.createConnection(ns.mongoUrl()).asPromise();
    try {
      const Thing = connection.model('Thing', new mongoose.Schema({ name: String }));
      await Thing.create({ name: 'one' });
      expect(await Thing.countDocuments({ name: 'one' })).toBe(1);
      expect(connection.db?.databaseName).toBe(ns.database());
    } finally {
      await connection.close();
    }
  });

  it('gives the workers an S3 endpoint', async () => {
    const s3 = new S3Client({
      endpoint: s3Endpoint(),
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' },
    });
    const Bucket = ns.bucket();
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'hello.txt', Body: 'hello' }));
    const object = await s3.send(new GetObjectCommand({ Bucket, Key: 'hello.txt' }));
    expect(await object.Body?.transformToString()).toBe('hello');
    s3.destroy();
  });

  it('starts nothing when the engine variables are already set, and teardown leaves them alone', async () => {
    const before = { ...process.env };
    await startHarnessEngines();
    await stopHarnessEngines();
    expect(process.env.KAFKA_BROKERS).toBe(before.KAFKA_BROKERS);
    expect(process.env.MONGO_URL).toBe(before.MONGO_URL);
    expect(process.env.S3_ENDPOINT).toBe(before.S3_ENDPOINT);
  });

  it('derives per-database URLs from MONGO_URL, keeping its options', () => {
    expect(mongoUrlFor('tickets', 'mongodb://127.0.0.1:27017')).toBe('mongodb://127.0.0.1:27017/tickets');
    expect(mongoUrlFor('tickets', 'mongodb://u:p@db:27017/admin?authSource=admin')).toBe(
      'mongodb://u:p@db:27017/tickets?authSource=admin',
    );
    expect(() => mongoUrlFor('x', 'http://nope')).toThrow(TypeError);
  });
});
