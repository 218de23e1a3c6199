import { ConfigError } from '@support-center/service-kit';
import { loadRealtimeConfig } from '../../src/config';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', MONGO_URL: 'mongodb://127.0.0.1:27017' };

describe('realtime configuration', () => {
  it('keeps notifications 30 days unless NOTIFICATION_RETENTION_DAYS says otherwise', () => {
    expect(loadRealtimeConfig(base).NOTIFICATION_RETENTION_DAYS).toBe(30);
    expect(
      loadRealtimeConfig({ ...base, NOTIFICATION_RETENTION_DAYS: '7' }).NOTIFICATION_RETENTION_DAYS,
    ).toBe(7);
  });

  it.each(['0', '-1', '1.5', 'a month', '4000'])('refuses NOTIFICATION_RETENTION_DAYS=%s', (value) => {
    expect(() => loadRealtimeConfig({ ...base, NOTIFICATION_RETENTION_DAYS: value })).toThrow(ConfigError);
  });
});
