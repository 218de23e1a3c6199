import { baseConfigSchema, loadConfig, positiveInt } from '@support-center/service-kit';
import { z } from 'zod';

const schema = baseConfigSchema({ port: 8001, mongoDb: 'tickets' }).extend({
  /** The auth service's key set, to verify access tokens locally. */
  AUTH_JWKS_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
    .default('http://127.0.0.1:8002/.well-known/jwks.json'),
  /**
   * How often this instance reloads the access-token revocations its replicas stored; a revoked
   * token is refused everywhere at most about this long after the first replica heard of it.
   */
  REVOCATION_REFRESH_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  KAFKA_TOPIC_PARTITIONS: positiveInt.max(1000).default(3),
  TICKET_CACHE_MAX_KEYS: positiveInt.default(10_000),
  TICKET_CACHE_MAX_BYTES: positiveInt.default(64 * 1024 * 1024),
  /** Bounds how long another instance's change can go unseen by this instance's cache. */
  TICKET_CACHE_TTL_MS: positiveInt.default(5_000),
  /** How long the open-ticket counts behind tickets_open_by_* are reused. */
  OPEN_TICKETS_GAUGE_MAX_AGE_MS: positiveInt.default(10_000),
  OPEN_TICKETS_GAUGE_INTERVAL_MS: positiveInt.default(15_000),
  OUTBOX_POLL_INTERVAL_MS: positiveInt.default(1_000),
  /** Comments (public and internal) one ticket may hold; one more is a 409. */
  TICKET_MAX_COMMENTS: positiveInt.max(1_000).default(200),
  /**
   * Largest stored ticket a change may produce (BSON bytes), far below MongoDB's 16 MiB
   * document limit: every change must also stay cheap to read, rewrite and cache.
   */
  TICKET_MAX_DOCUMENT_BYTES: positiveInt
    .min(64 * 1024)
    .max(12 * 1024 * 1024)
    .default(8 * 1024 * 1024),
});

export type TicketConfig = z.infer<typeof schema>;

export function loadTicketConfig(env: NodeJS.ProcessEnv = process.env): Readonly<TicketConfig> {
  return loadConfig(schema, env);
}
