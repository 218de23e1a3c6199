import { z } from 'zod';
import { baseConfigSchema, ConfigError, loadConfig, positiveInt } from '../src';

const schema = baseConfigSchema({ port: 8001, mongoDb: 'tickets' });

describe('loadConfig', () => {
  it('applies the defaults of docs/architecture.md and freezes the result', () => {
    const config = loadConfig(schema, {});
    expect(config).toMatchObject({
      PORT: 8001,
      MONGO_DB: 'tickets',
      ENABLE_METRICS: true,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      LOG_LEVEL: 'info',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses the shared variables', () => {
    const config = loadConfig(schema, {
      PORT: '9100',
      KAFKA_BROKERS: 'k1:9092, k2:9093',
      ENABLE_METRICS: 'false',
      METRICS_TOKEN: 'a-long-enough-secret',
    });
    expect(config.PORT).toBe(9100);
    expect(config.KAFKA_BROKERS).toEqual(['k1:9092', 'k2:9093']);
    expect(config.ENABLE_METRICS).toBe(false);
    expect(config.METRICS_TOKEN).toBe('a-long-enough-secret');
  });

  it('reads KAFKA_TOPIC_PREFIX for every service: none by default, a topic-name fragment when set', () => {
    expect(loadConfig(schema, {}).KAFKA_TOPIC_PREFIX).toBe('');
    expect(loadConfig(schema, { KAFKA_TOPIC_PREFIX: 'staging.' }).KAFKA_TOPIC_PREFIX).toBe('staging.');
    for (const bad of ['with space', 'a/b', 'ümlaut']) {
      expect(() => loadConfig(schema, { KAFKA_TOPIC_PREFIX: bad })).toThrow(
        /KAFKA_TOPIC_PREFIX: must be letters, digits, dots, dashes or underscores/,
      );
    }
  });

  it('reads KAFKA_SESSION_TIMEOUT_MS for every service: 10 s by default, never below the broker floor of 6 s', () => {
    expect(loadConfig(schema, {}).KAFKA_SESSION_TIMEOUT_MS).toBe(10_000);
    expect(loadConfig(schema, { KAFKA_SESSION_TIMEOUT_MS: '6000' }).KAFKA_SESSION_TIMEOUT_MS).toBe(6000);
    for (const bad of ['5999', '300001', '7.5', 'soon']) {
      expect(() => loadConfig(schema, { KAFKA_SESSION_TIMEOUT_MS: bad })).toThrow(/KAFKA_SESSION_TIMEOUT_MS/);
    }
  });

  it('offers services one positive whole number for their own variables', () => {
    const own = baseConfigSchema({ port: 1, mongoDb: 'x' }).extend({ LIMIT: positiveInt.default(5) });
    expect(loadConfig(own, {}).LIMIT).toBe(5);
    expect(loadConfig(own, { LIMIT: '12' }).LIMIT).toBe(12);
    for (const bad of ['0', '-1', '1.5', 'many']) {
      expect(() => loadConfig(own, { LIMIT: bad })).toThrow(ConfigError);
    }
  });

  it("reads the seed's ENABLE_METRICS=True: true and false in any case", () => {
    expect(loadConfig(schema, { ENABLE_METRICS: 'True' }).ENABLE_METRICS).toBe(true);
    expect(loadConfig(schema, { ENABLE_METRICS: 'TRUE' }).ENABLE_METRICS).toBe(true);
    expect(loadConfig(schema, { ENABLE_METRICS: 'False' }).ENABLE_METRICS).toBe(false);
    expect(() => loadConfig(schema, { ENABLE_METRICS: 'Truthy' })).toThrow(
      /ENABLE_METRICS: must be true or false/,
    );
  });

  it('reads TRUST_PROXY true and false in any case, not as an address named "True"', () => {
    expect(loadConfig(schema, { TRUST_PROXY: 'True' }).TRUST_PROXY).toBe(true);
    expect(loadConfig(schema, { TRUST_PROXY: 'FALSE' }).TRUST_PROXY).toBe(false);
  });

  it('sets the MongoDB pool maximum from MONGO_MAX_POOL_SIZE, 100 by default', () => {
    expect(loadConfig(schema, {}).MONGO_MAX_POOL_SIZE).toBe(100);
    expect(loadConfig(schema, { MONGO_MAX_POOL_SIZE: '20' }).MONGO_MAX_POOL_SIZE).toBe(20);
    for (const bad of ['0', '-1', '2.5', 'many'])
      expect(() => loadConfig(schema, { MONGO_MAX_POOL_SIZE: bad })).toThrow(/MONGO_MAX_POOL_SIZE/);
  });

  it('names every bad variable at once', () => {
    const attempt = () =>
      loadConfig(schema, {
        PORT: 'eighty',
        KAFKA_BROKERS: 'no-port',
        MONGO_URL: 'http://x',
        LOG_LEVEL: 'loud',
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'KAFKA_BROKERS', 'MONGO_URL', 'LOG_LEVEL'])
        expect(problems).toContain(name);
    }
  });

  it('takes a service schema extending the shared one', () => {
    const extended = schema.extend({ S3_BUCKET: z.string().min(3) });
    expect(() => loadConfig(extended, { S3_BUCKET: 'x' })).toThrow(/S3_BUCKET/);
  });
});
