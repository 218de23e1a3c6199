/**
 * One error model for the engines: a stable `code`, whether retrying can help, and the
 * underlying `cause`. Subclasses only add context; callers match with `instanceof` or
 * `code`, never with the message.
 */
export class EnginesError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A tool needed to install or run an engine is not on PATH. */
export class MissingToolchainError extends EnginesError {
  readonly tools: readonly string[];

  constructor(tools: readonly string[], message: string) {
    super('MISSING_TOOLCHAIN', message);
    this.tools = tools;
  }
}

/** The cache lacks an engine: `support-engines install` has not run (or was interrupted). */
export class NotInstalledError extends EnginesError {
  constructor(engine: string, missingPath: string) {
    super(
      'NOT_INSTALLED',
      `${engine} is not installed (missing ${missingPath}); run \`npm run engines -- install\` first`,
    );
  }
}

/** A command run during install failed. */
export class InstallStepError extends EnginesError {
  constructor(step: string, detail: string, cause?: unknown) {
    super('INSTALL_FAILED', `install ${step} failed: ${detail}`, { retriable: true, cause });
  }
}

/** An engine exited or timed out before it accepted clients. */
export class EngineStartError extends EnginesError {
  readonly engine: string;

  constructor(engine: string, detail: string, cause?: unknown) {
    super('ENGINE_START_FAILED', `${engine} did not start: ${detail}`, { retriable: true, cause });
    this.engine = engine;
  }
}

/** Bad command-line usage. */
export class UsageError extends EnginesError {
  constructor(message: string) {
    super('USAGE', message);
  }
}
