/** Errors of the test harness; `code` is stable, messages say what to do. */
export class HarnessError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** `waitFor` ran out of time; carries the condition's last error, if it threw. */
export class WaitForTimeoutError extends HarnessError {
  constructor(description: string, timeoutMs: number, lastError?: unknown) {
    const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
    super('WAIT_FOR_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${description}${detail}`, {
      cause: lastError,
    });
  }
}

/** An engine address the global setup should have provided is missing. */
export class MissingEngineEnvError extends HarnessError {
  constructor(variable: string) {
    super(
      'MISSING_ENGINE_ENV',
      `${variable} is not set: run tests through the repository's jest config (its global setup starts ` +
        `the engines) or point ${variable} at a running engine`,
    );
  }
}
