import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line. */
const REDACTED = [
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** JSON logs on stdout, with the trace and span ids of the active span when there is one. */
export function createLogger(options: { service: string; level: LevelWithSilent }): Logger {
  return pino({
    level: options.level,
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const context = trace.getActiveSpan()?.spanContext();
      return context && isSpanContextValid(context)
        ? { trace_id: context.traceId, span_id: context.spanId }
        : {};
    },
  });
}
