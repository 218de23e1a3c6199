import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { baseConfigSchema, loadConfig, positiveInt } from '@support-center/service-kit';

const schema = baseConfigSchema({ port: 8004, mongoDb: 'realtime' }).extend({
  AUTH_JWKS_URL: z.url({ message: 'must be a URL' }).default('http://127.0.0.1:8002/.well-known/jwks.json'),
  /**
   * How often this instance reloads the access-token revocations its replicas stored; a revoked
   * token is refused everywhere at most about this long after the first replica heard of it.
   */
  REVOCATION_REFRESH_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  /** Names this instance's own consumer groups (fan-out); unique per process unless set. */
  REALTIME_INSTANCE_ID: z
    .string()
    .regex(/^[\w.-]+$/, 'must be letters, digits, dots, dashes or underscores')
    .default(() => `${hostname().replace(/[^\w.-]/g, '-')}-${process.pid}-${randomBytes(3).toString('hex')}`),
  /** Messages sent on join (the initial load). */
  CHAT_HISTORY_LIMIT: positiveInt.max(500).default(50),
  /** Most messages one resync returns; a client further behind asks again. */
  CHAT_RESYNC_LIMIT: positiveInt.max(1000).default(200),
  /** Longest message body, in characters. */
  CHAT_MAX_MESSAGE_CHARS: positiveInt.max(100_000).default(4000),
  /** Largest frame a client may send, in bytes; larger ones get an error frame. */
  WS_MAX_FRAME_BYTES: positiveInt.default(16_384),
  /** Messages a connection may post at once (token bucket size) and refills per second. */
  CHAT_RATE_BURST: positiveInt.default(10),
  CHAT_RATE_PER_SECOND: z.coerce.number().positive().default(2),
  /**
   * Frames of one connection received but not yet handled; past it the connection is closed with
   * 1008, so a flood cannot queue work without limit.
   */
  WS_MAX_QUEUED_FRAMES: positiveInt.max(100_000).default(1000),
  /** Frames of any kind (and pings) one connection may send at once, and refills per second. */
  WS_FRAME_RATE_BURST: positiveInt.default(200),
  WS_FRAME_RATE_PER_SECOND: z.coerce.number().positive().default(50),
  /** Rooms one connection may join. */
  CHAT_MAX_ROOMS_PER_CONNECTION: positiveInt.default(20),
  /**
   * How long a join to a ticket this instance does not know yet (or not as one the user may see)
   * waits for the ticket's events before answering NOT_FOUND: a ticket created or assigned a
   * moment ago may be ahead of them. A join with frames queued behind it does not wait.
   */
  CHAT_JOIN_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(2_000),
  /**
   * How long an event about a ticket this instance does not know yet waits (parked) for the
   * ticket's first event before it is given up, counted and logged.
   */
  REALTIME_PARKED_EVENT_TTL_MS: positiveInt.min(1000).default(600_000),
  /** How often parked events are checked against the projection and for expiry. */
  REALTIME_PARKED_SWEEP_INTERVAL_MS: positiveInt.min(100).default(5_000),
  /** How long each user's notification history is kept; older notifications are deleted. */
  NOTIFICATION_RETENTION_DAYS: positiveInt.max(3650).default(30),
  /** How often notifications past the retention are deleted (a failed sweep waits for the next). */
  NOTIFICATION_SWEEP_INTERVAL_MS: positiveInt.min(100).default(3_600_000),
  /** Server ping period; a connection that misses one pong is dropped at the next ping. */
  WS_HEARTBEAT_INTERVAL_MS: positiveInt.default(30_000),
  /** A client whose unsent bytes exceed this is disconnected (close 1013). */
  WS_MAX_BUFFERED_BYTES: positiveInt.default(1_048_576),
});

export type RealtimeConfig = Readonly<z.infer<typeof schema>>;

export function loadRealtimeConfig(env: NodeJS.ProcessEnv = process.env): RealtimeConfig {
  return loadConfig(schema, env);
}
