import cors from 'cors';
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { AppError } from '../errors';

/** Headers for a JSON API: nothing may be framed, sniffed, or loaded from it as a page. */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
}

/** A page served from this machine, on any port: a frontend's dev server. */
const LOCAL_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?$/;

const CORS_DEFAULTS: cors.CorsOptions = {
  exposedHeaders: ['X-Request-Id', 'Retry-After', 'Content-Disposition', 'Content-Range'],
  maxAge: 600,
};

/**
 * CORS for the frontends' origins: each named origin (and, with `allowLocalhost`, any
 * http://localhost:* or http://127.0.0.1:* page) is answered with itself, credentials allowed and
 * `Vary: Origin`; `*` lets any other origin read answers without credentials, which browsers never
 * combine with `*`. With nothing allowed no CORS header is sent (same origin only).
 */
export function corsPolicy(
  origins: readonly string[],
  { allowLocalhost = false }: { allowLocalhost?: boolean } = {},
): RequestHandler | undefined {
  if (origins.length === 0 && !allowLocalhost) return undefined;
  const named = new Set(origins.filter((origin) => origin !== '*'));
  const anyOrigin = origins.includes('*');
  return cors((req, done) => {
    const origin = req.headers.origin;
    if (origin !== undefined && (named.has(origin) || (allowLocalhost && LOCAL_ORIGIN.test(origin))))
      done(null, { ...CORS_DEFAULTS, origin, credentials: true });
    else if (anyOrigin) done(null, { ...CORS_DEFAULTS, origin: '*' });
    else done(null, { origin: false });
  });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Limits writes (anything but GET, HEAD, OPTIONS) per client address and minute, so one client
 * cannot flood a service with writes; past the limit a 429 with Retry-After. Per instance.
 */
export function writeRateLimit(perMinute: number): RequestHandler | undefined {
  if (perMinute === 0) return undefined;
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip: (req) => SAFE_METHODS.has(req.method),
    handler: (_req, res, next) => {
      const resetSeconds = Number(res.getHeader('Retry-After') ?? 60);
      next(
        new AppError('RATE_LIMITED', {
          message: `Too many writes from this address; retry in ${resetSeconds} s`,
          headers: { 'Retry-After': String(resetSeconds) },
        }),
      );
    },
  });
}
