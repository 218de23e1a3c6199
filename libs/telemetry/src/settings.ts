import { z } from 'zod';
import { ConfigurationError } from './errors';

/**
 * The auto-instrumentations run when traces are exported. Without a trace exporter none run (the
 * HTTP instrumentation alone cost a cheap request about 40 % more CPU, docs/benchmarks.md), and no
 * trace context is kept or sent on: the service kit only logs the caller's trace id.
 * OTEL_NODE_ENABLED_INSTRUMENTATIONS overrides the selection.
 */
export const TRACING_INSTRUMENTATIONS = 'http,express,kafkajs,mongodb';

/**
 * A true/false environment variable, in any case and with surrounding spaces ignored: the seed's
 * own settings say `ENABLE_METRICS=True`. Services read every boolean variable with this rule.
 */
export const booleanFlag = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  ENABLE_METRICS: booleanFlag.default(true),
  OTEL_TRACES_EXPORTER: z.string().optional(),
  OTEL_LOGS_EXPORTER: z.string().optional(),
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: z.string().optional(),
});

export type TelemetrySettings = z.infer<typeof schema>;

/** Whether spans are exported at all (`none`, the standard way to say no, counts as no). */
export function tracesExported(settings: TelemetrySettings): boolean {
  const exporter = settings.OTEL_TRACES_EXPORTER?.trim();
  return !!exporter && exporter !== 'none';
}

/** The instrumentations to enable, comma-separated; empty for none. */
export function enabledInstrumentations(settings: TelemetrySettings): string {
  return (
    settings.OTEL_NODE_ENABLED_INSTRUMENTATIONS ?? (tracesExported(settings) ? TRACING_INSTRUMENTATIONS : '')
  );
}

export class TelemetrySettingsError extends ConfigurationError {
  constructor(message: string) {
    super('ERR_TELEMETRY_SETTINGS', message);
  }
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
