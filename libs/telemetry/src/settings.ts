import { z } from 'zod';

/**
 * The instrumentations we run by default: the ones that carry trace context across HTTP and
 * Kafka. Each costs request throughput even with traces off, so the set is deliberate;
 * OTEL_NODE_ENABLED_INSTRUMENTATIONS widens or narrows it.
 */
export const DEFAULT_INSTRUMENTATIONS = 'http,kafkajs';

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  ENABLE_METRICS: boolean.default(true),
  OTEL_TRACES_EXPORTER: z.string().optional(),
  OTEL_LOGS_EXPORTER: z.string().optional(),
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: z.string().default(DEFAULT_INSTRUMENTATIONS),
});

export type TelemetrySettings = z.infer<typeof schema>;

export class TelemetrySettingsError extends Error {
  readonly code = 'ERR_TELEMETRY_SETTINGS';
}

/** Reads the telemetry variables; an invalid value stops the service with the variable named. */
export function readTelemetrySettings(env: NodeJS.ProcessEnv = process.env): TelemetrySettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new TelemetrySettingsError(`Invalid telemetry configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
