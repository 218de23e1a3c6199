import { ROOT_CONTEXT, propagation, type Context, type TextMapGetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

/** Reads W3C trace headers (`traceparent`, `tracestate`) from Kafka headers, which may be Buffers. */
const headerGetter: TextMapGetter<IHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => {
    const value = headers[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map(String) : String(value);
  },
};

/** The producer's trace context, so the handler's spans join the trace that published the event. */
export function contextFromHeaders(headers: IHeaders | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT;
}
