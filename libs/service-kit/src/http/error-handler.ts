import type { ErrorRequestHandler, RequestHandler } from 'express';
import mongoose from 'mongoose';
import { AppError, DependencyUnavailableError, ERROR_CATALOG, type ErrorCode } from '../errors';

/** What body-parser's errors mean for the client, by their `type`. */
const BODY_PARSER_ERRORS: Record<string, ErrorCode> = {
  'entity.parse.failed': 'INVALID_JSON',
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'encoding.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'charset.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'request.aborted': 'BAD_REQUEST',
  'request.size.invalid': 'BAD_REQUEST',
};

/**
 * MongoDB driver errors that mean the database cannot be reached right now (down, restarting,
 * unreachable), not that the request was wrong: the client gets a 503 to retry, not a 500.
 * (MongoNetworkTimeoutError is a MongoNetworkError.)
 */
const DATABASE_UNREACHABLE_ERRORS = [
  mongoose.mongo.MongoServerSelectionError,
  mongoose.mongo.MongoNetworkError,
  mongoose.mongo.MongoNotConnectedError,
  mongoose.mongo.MongoTopologyClosedError,
];

/** Catalog codes for the statuses of other client errors Express and body-parser raise. */
const HTTP_CLIENT_ERRORS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', { message: `No route for ${req.method} ${req.path}` }));
};

/** The one place errors become responses: `{"error": {"code", "message", "details?"}}`. */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const appError = toAppError(error);
  if (appError.statusCode >= 500) req.log.error({ err: error }, appError.message);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [name, value] of Object.entries(appError.headers ?? {})) res.setHeader(name, value);
  const body: { code: ErrorCode; message: string; details?: unknown } = {
    code: appError.code,
    message: appError.message,
  };
  if (appError.details !== undefined) body.details = appError.details;
  res.status(appError.statusCode).json({ error: body });
};

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  const code = typeof type === 'string' ? BODY_PARSER_ERRORS[type] : undefined;
  if (code) return new AppError(code, { cause: error, message: bodyParserMessage(code) });
  if (DATABASE_UNREACHABLE_ERRORS.some((type) => error instanceof type))
    return new DependencyUnavailableError('MongoDB', error);
  // The router's own 400 for a path parameter that is not valid percent-encoding (`/tickets/%`).
  if (error instanceof URIError && (error as { status?: unknown }).status === 400) {
    return new AppError('BAD_REQUEST', {
      cause: error,
      message: 'The request path is not valid percent-encoding',
      details: [{ field: 'path', message: 'is not valid percent-encoding' }],
    });
  }
  // Other client errors raised by Express and body-parser (http-errors: a 4xx status and
  // `expose`), such as a body whose Content-Encoding does not decode: the client's fault.
  const status = (error as { status?: unknown } | null)?.status;
  if ((error as { expose?: unknown } | null)?.expose === true && typeof status === 'number') {
    const clientCode = HTTP_CLIENT_ERRORS[status];
    if (clientCode) return new AppError(clientCode, { cause: error });
  }
  // Anything else is our fault; its message may hold internals, so the client gets the generic one.
  return new AppError('INTERNAL', { cause: error });
}

function bodyParserMessage(code: ErrorCode): string {
  return ERROR_CATALOG[code].message;
}
