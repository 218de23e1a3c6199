import { baseConfigSchema, loadConfig, positiveInt } from '@support-center/service-kit';
import { z } from 'zod';
import { hoursToMs, parseHoursByPriority, type SlaPolicy } from './domain/sla';
import { businessClock, calendarClock, isTimeZone, parseBusinessHours } from './domain/sla-clock';

/** A parser of the domain as a zod transform: its error message names what is wrong. */
const parsed = <T>(parse: (text: string) => T) =>
  z.string().transform((text, ctx): T => {
    try {
      return parse(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

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
  /** Hours to the first response, per priority (docs: services/ticket/README.md, "Service levels"). */
  SLA_FIRST_RESPONSE_HOURS: parsed(parseHoursByPriority).prefault('low:24,medium:8,high:4,critical:1'),
  /** Hours to the solution, per priority. */
  SLA_RESOLUTION_HOURS: parsed(parseHoursByPriority).prefault('low:120,medium:48,high:24,critical:8'),
  /** `calendar`: every hour counts; `business`: only SLA_BUSINESS_HOURS in SLA_TIME_ZONE. */
  SLA_CLOCK: z.enum(['calendar', 'business']).default('calendar'),
  SLA_BUSINESS_HOURS: parsed(parseBusinessHours).prefault('mon-fri 09:00-17:00'),
  SLA_TIME_ZONE: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin')
    .default('UTC'),
  /** The share of a target after which `ticket.sla_warning` is published. */
  SLA_WARNING_FRACTION: z.coerce.number().gt(0).lt(1).default(0.8),
  /** How often the service-level worker looks for tickets past a warning or a due time. */
  SLA_CHECK_INTERVAL_MS: positiveInt.max(3_600_000).default(30_000),
  /** Tickets one pass of the worker handles per target and threshold; the next pass takes the rest. */
  SLA_CHECK_BATCH: positiveInt.max(10_000).default(500),
});

export type TicketConfig = z.infer<typeof schema>;

/** The service-level policy the configuration describes. */
export function slaPolicy(config: Readonly<TicketConfig>): SlaPolicy {
  return {
    firstResponseMs: hoursToMs(config.SLA_FIRST_RESPONSE_HOURS),
    resolutionMs: hoursToMs(config.SLA_RESOLUTION_HOURS),
    warningFraction: config.SLA_WARNING_FRACTION,
    clock:
      config.SLA_CLOCK === 'business'
        ? businessClock(config.SLA_BUSINESS_HOURS, config.SLA_TIME_ZONE)
        : calendarClock(),
  };
}

export function loadTicketConfig(env: NodeJS.ProcessEnv = process.env): Readonly<TicketConfig> {
  return loadConfig(schema, env);
}
