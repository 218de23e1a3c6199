import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { ConfigurationError, SupportCenterError, TelemetrySettingsError } from '@support-center/telemetry';
import {
  AppError,
  ConfigError,
  DependencyUnavailableError,
  ERROR_CATALOG,
  NotFoundError,
  ShutdownTimeoutError,
  ValidationError,
  type ErrorCode,
} from '../src';

describe('the error base', () => {
  it('is the root of the kit and telemetry errors, each with a code and whether a retry can help', () => {
    const errors: [SupportCenterError, string, boolean][] = [
      [new AppError('CONFLICT'), 'CONFLICT', false],
      [new ValidationError([{ field: 'title', message: 'is required' }]), 'VALIDATION_FAILED', false],
      [new NotFoundError('Ticket'), 'NOT_FOUND', false],
      [new DependencyUnavailableError('MongoDB'), 'DEPENDENCY_UNAVAILABLE', true],
      [new AppError('RATE_LIMITED'), 'RATE_LIMITED', true],
      [new ConfigError(['PORT: bad']), 'ERR_CONFIG', false],
      [new TelemetrySettingsError('bad'), 'ERR_TELEMETRY_SETTINGS', false],
      [new ShutdownTimeoutError(10, ['workers']), 'ERR_SHUTDOWN_TIMEOUT', true],
    ];
    for (const [error, code, retriable] of errors) {
      expect(error).toBeInstanceOf(SupportCenterError);
      expect(error).toBeInstanceOf(Error);
      expect({ name: error.name, code: error.code, retriable: error.retriable }).toEqual({
        name: error.constructor.name,
        code,
        retriable,
      });
    }
  });

  it('gives every API error the status of its catalog entry, under both names, and keeps the cause', () => {
    const cause = new Error('socket closed');
    for (const code of Object.keys(ERROR_CATALOG) as ErrorCode[]) {
      const error = new AppError(code, { cause });
      expect([error.status, error.statusCode]).toEqual([
        ERROR_CATALOG[code].status,
        ERROR_CATALOG[code].status,
      ]);
      expect(error.cause).toBe(cause);
    }
  });

  it('marks both configuration errors as such, and nothing else', () => {
    expect(new ConfigError(['PORT: bad'])).toBeInstanceOf(ConfigurationError);
    expect(new TelemetrySettingsError('bad')).toBeInstanceOf(ConfigurationError);
    expect(new AppError('INTERNAL')).not.toBeInstanceOf(ConfigurationError);
  });
});

describe('bootService on a failed start', () => {
  const run = async (failure: 'config' | 'node') => {
    const child = spawn(process.execPath, [resolve(__dirname, 'fixtures/failing-boot.js')], {
      env: { ...process.env, FAILURE: failure, ENABLE_METRICS: 'false' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [exitCode] = (await once(child, 'exit')) as [number];
    return { exitCode, stderr };
  };

  it('prints a configuration error as its message alone: it already names every bad variable', async () => {
    const { exitCode, stderr } = await run('config');
    expect(exitCode).toBe(1);
    expect(stderr).toContain('failing failed to start: Invalid configuration:\n  - PORT: must be a number');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('prints any other error with its stack, even one that carries a code as Node errors do', async () => {
    const { exitCode, stderr } = await run('node');
    expect(exitCode).toBe(1);
    expect(stderr).toContain('failing failed to start: Error: open /nowhere failed');
    expect(stderr).toMatch(/\n\s+at /);
  });
});
