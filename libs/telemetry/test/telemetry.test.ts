import { parseExposition, promtoolCheckMetrics } from '@support-center/testing';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import express from 'express';
import request from 'supertest';
import { families, prometheusType, startTelemetry, TelemetrySettingsError } from '../src';

describe('startTelemetry', () => {
  it('exposes process and Node.js runtime families under the Prometheus client names', async () => {
    const telemetry = startTelemetry({ serviceName: 'svc', serviceVersion: '1.2.3', env: {} });
    try {
      const app = express().get('/metrics', (req, res) => telemetry.metricsHandler?.(req, res));
      const res = await request(app).get('/metrics').expect(200);
      expect(promtoolCheckMetrics(res.text)).toBe('');
      const exposed = parseExposition(res.text);
      const runtime = Object.entries(families).filter(
        ([, f]) => f.group === 'process' || f.group === 'runtime',
      );
      for (const [name, family] of runtime) {
        // GC may not have run yet; every other runtime family is observed at each scrape.
        if (name === 'nodejs_gc_duration_seconds') continue;
        expect({ name, type: exposed.get(name)?.type, help: exposed.get(name)?.help }).toEqual({
          name,
          type: prometheusType[family.kind],
          help: family.help,
        });
      }
      expect(exposed.get('target_info')?.samples[0]?.labels).toMatchObject({
        service_name: 'svc',
        service_version: '1.2.3',
      });
      expect(exposed.get('target_info')?.samples[0]?.labels.service_instance_id).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await telemetry.shutdown();
    }
  });

  it('is off entirely with ENABLE_METRICS=false: no handler, instruments record nothing', async () => {
    const telemetry = startTelemetry({
      serviceName: 'svc',
      serviceVersion: '1',
      env: { ENABLE_METRICS: 'false' },
    });
    expect(telemetry.enabled).toBe(false);
    expect(telemetry.metricsHandler).toBeUndefined();
    expect(telemetry.http).toBeUndefined();
    expect(() =>
      telemetry.metrics.events_published_total.add(1, { topic: 't', event_type: 'e', status: 'success' }),
    ).not.toThrow();
    await telemetry.shutdown();
  });

  it('keeps trace context only while traces are exported', async () => {
    const span = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
    const sentOn = () => {
      const carrier: Record<string, string> = {};
      context.with(trace.setSpanContext(ROOT_CONTEXT, span), () =>
        propagation.inject(context.active(), carrier),
      );
      return carrier.traceparent;
    };
    const untraced = startTelemetry({ serviceName: 'svc', serviceVersion: '1', env: {} });
    try {
      expect(sentOn()).toBeUndefined();
    } finally {
      await untraced.shutdown();
    }

    // The SDK reads the exporter from the process environment; no instrumentation, so no span.
    process.env.OTEL_TRACES_EXPORTER = 'console';
    const traced = startTelemetry({
      serviceName: 'svc',
      serviceVersion: '1',
      env: { OTEL_TRACES_EXPORTER: 'console', OTEL_NODE_ENABLED_INSTRUMENTATIONS: '' },
    });
    try {
      expect(sentOn()).toBe(`00-${span.traceId}-${span.spanId}-01`);
    } finally {
      await traced.shutdown();
      delete process.env.OTEL_TRACES_EXPORTER;
    }
  });

  it("reads the seed's ENABLE_METRICS=True, and any case of true and false", async () => {
    for (const [value, enabled] of [
      ['True', true],
      ['TRUE', true],
      [' Yes ', true],
      ['False', false],
      ['FALSE', false],
      ['No', false],
    ] as const) {
      const telemetry = startTelemetry({
        serviceName: 'svc',
        serviceVersion: '1',
        env: { ENABLE_METRICS: value },
      });
      try {
        expect({ value, enabled: telemetry.enabled }).toEqual({ value, enabled });
      } finally {
        await telemetry.shutdown();
      }
    }
  });

  it('names an invalid ENABLE_METRICS value', () => {
    expect(() =>
      startTelemetry({ serviceName: 'svc', serviceVersion: '1', env: { ENABLE_METRICS: 'maybe' } }),
    ).toThrow(TelemetrySettingsError);
    expect(() =>
      startTelemetry({ serviceName: 'svc', serviceVersion: '1', env: { ENABLE_METRICS: 'maybe' } }),
    ).toThrow(/ENABLE_METRICS: must be true or false/);
  });
});
