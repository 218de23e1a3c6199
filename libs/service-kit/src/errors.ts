import { SupportCenterError } from '@support-center/telemetry';

/**
 * The error model every service shares: a code from the catalog below, the HTTP status it maps
 * to, and optional details (the fields at fault). Subclasses only add context.
 *
 * The catalog lists every code an API answers with, once; docs/architecture.md documents each
 * and a test (test/error-catalog.test.ts) fails when the two, the OpenAPI documents or the codes
 * the services produce disagree.
 */
export const ERROR_CATALOG = {
  BAD_REQUEST: { status: 400, message: 'The request is malformed' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON' },
  VALIDATION_FAILED: { status: 422, message: 'The request has invalid fields' },
  UNAUTHORIZED: { status: 401, message: 'Authentication is required' },
  TOKEN_REVOKED: { status: 401, message: 'The access token was revoked; log in again' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  CONFLICT: { status: 409, message: 'The request conflicts with the current state' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'The requested range selects nothing of the file' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The content type is not supported' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  INTERNAL: { status: 500, message: 'Internal error' },
  DEPENDENCY_UNAVAILABLE: { status: 503, message: 'A service this request needs is unavailable' },
  NOT_READY: { status: 503, message: 'The service is not ready: a dependency it needs is down' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface AppErrorOptions {
  message?: string;
  details?: unknown;
  cause?: unknown;
  /** Response headers the error requires, such as Retry-After. */
  headers?: Record<string, string>;
}

/** Codes whose request may succeed as it is when sent again later. */
const RETRIABLE_CODES: ReadonlySet<ErrorCode> = new Set([
  'RATE_LIMITED',
  'DEPENDENCY_UNAVAILABLE',
  'NOT_READY',
]);

/** An error that reaches a client: its code, status and message come from the catalog. */
export class AppError extends SupportCenterError {
  declare readonly code: ErrorCode;
  declare readonly status: number;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(code, options.message ?? ERROR_CATALOG[code].message, {
      status: ERROR_CATALOG[code].status,
      retriable: RETRIABLE_CODES.has(code),
      cause: options.cause,
    });
    this.details = options.details;
    this.headers = options.headers;
  }

  /** The HTTP status (the same as `status`), under the name Express and http-errors use. */
  get statusCode(): number {
    return this.status;
  }
}

/** A field the client got wrong, as reported in `error.details`. */
export interface FieldProblem {
  field: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(problems: FieldProblem[], message = describeProblems(problems)) {
    super('VALIDATION_FAILED', { message, details: problems });
  }
}

export class NotFoundError extends AppError {
  constructor(what = 'Resource') {
    super('NOT_FOUND', { message: `${what} not found` });
  }
}

export class DependencyUnavailableError extends AppError {
  constructor(dependency: string, cause?: unknown) {
    super('DEPENDENCY_UNAVAILABLE', { message: `${dependency} is unavailable; try again shortly`, cause });
  }
}

function describeProblems(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('; ');
}
