import { booleanFlag, ConfigurationError } from '@support-center/telemetry';
import { z } from 'zod';

/**
 * Express's `trust proxy`: true/false, a hop count, or a comma-separated list of addresses/subnets.
 * Nobody by default: a forwarder is trusted only when named, or any client could pick the address
 * that rate limits and lockout key on by sending X-Forwarded-For.
 */
const trustProxy = z
  .string()
  .trim()
  .min(1)
  .default('false')
  .transform((v): boolean | number | string[] => {
    const flag = v.toLowerCase(); // true/false in any case, as booleanFlag reads them
    if (flag === 'true' || flag === 'false') return flag === 'true';
    if (/^\d+$/.test(v)) return Number(v);
    return v.split(',').map((s) => s.trim());
  });

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A whole number above zero, from an environment string: counts, sizes and intervals. */
export const positiveInt = z.coerce.number().int().positive();

/** The variables every service reads (docs/architecture.md, "Configuration"). */
export function baseConfigSchema(defaults: { port: number; mongoDb: string }) {
  return z.object({
    PORT: z.coerce.number().int().min(0).max(65535).default(defaults.port),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    ENABLE_METRICS: booleanFlag.default(true),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    KAFKA_BROKERS: z
      .string()
      .default('127.0.0.1:9092')
      .transform((list) => list.split(',').map((b) => b.trim()))
      .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port, comma-separated')).min(1)),
    // Prepended to every Kafka topic and consumer group (tests, shared clusters).
    KAFKA_TOPIC_PREFIX: z
      .string()
      .regex(/^[\w.-]*$/, 'must be letters, digits, dots, dashes or underscores')
      .default(''),
    // Consumer group session. A consumer that crashed while the broker was away rejoins as a new
    // member, and its group waits for the old member's session to expire: after a Kafka restart,
    // events stall this long (kafkajs' own 30 s kept uploads on new tickets refused for 30 s).
    KAFKA_SESSION_TIMEOUT_MS: positiveInt.min(6000).max(300_000).default(10_000),
    MONGO_URL: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL')
      .default('mongodb://127.0.0.1:27017'),
    MONGO_DB: z
      .string()
      .regex(/^[\w-]+$/, 'must be a database name')
      .default(defaults.mongoDb),
    // The most connections the driver opens; db_pool_size reports it, so pool alerts divide by it.
    MONGO_MAX_POOL_SIZE: z.coerce.number().int().min(1).max(10_000).default(100),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    // Behind a load balancer that cannot read /ready (nginx over Docker's DNS), a replica that
    // listened at once would be sent requests it can only refuse; opening the port once ready
    // makes them connection errors, which the gateway passes to another replica, writes too.
    LISTEN_WHEN_READY: booleanFlag.default(false),
    JSON_BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, 'must be a size such as 100kb')
      .default('100kb'),
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((list) =>
        list
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z.string().regex(/^(\*|https?:\/\/[^\s/]+)$/, 'must be origins such as https://desk.example.com'),
        ),
      ),
    // `development` (npm run dev sets it) also lets http://localhost:* and http://127.0.0.1:* call
    // the API from a browser, so a frontend's dev server needs no CORS_ORIGINS.
    NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
    WRITE_RATE_LIMIT: z.coerce.number().int().min(0).default(600),
    // Which forwarders' X-Forwarded-For names the client (rate limits, lockout and logs use it);
    // none by default, so req.ip is the socket's peer. Behind the gateway, name its network.
    TRUST_PROXY: trustProxy,
  });
}

export type BaseConfig = z.infer<ReturnType<typeof baseConfigSchema>>;

export class ConfigError extends ConfigurationError {
  constructor(readonly problems: string[]) {
    super('ERR_CONFIG', `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Validates the environment once at start and freezes the result; a service passes it down
 * explicitly rather than reading process.env later.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.infer<S>> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`),
    );
  }
  return Object.freeze(parsed.data);
}
