/**
 * The one error base of the project, after kafkajs's error tree: every error a library or service
 * throws on purpose derives from it and says what it is (`code`), whether trying again can help
 * (`retriable`), the HTTP status it maps to where it reaches a client (`status`) and what caused
 * it (`cause`). It lives in the lowest library (telemetry depends on nothing of ours), so the kit,
 * the events library and the services all derive from it without a new dependency arrow.
 */
export interface SupportCenterErrorOptions {
  /** The HTTP status the error answers with, for errors that reach a client. */
  status?: number;
  /**
   * Whether the same operation may succeed if tried again. True unless said, as in kafkajs and the
   * events library's consumers: an error is presumed transient until its class knows better.
   */
  retriable?: boolean;
  cause?: unknown;
}

export class SupportCenterError extends Error {
  readonly code: string;
  readonly status?: number;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: SupportCenterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status;
    this.retriable = options.retriable ?? true;
  }
}

/**
 * A setting the process was started with is wrong: the message already names every bad variable,
 * so the entry point prints it without a stack. Never retriable: the process must be restarted
 * with other settings.
 */
export class ConfigurationError extends SupportCenterError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { retriable: false, cause });
  }
}
