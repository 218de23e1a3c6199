import type { RequestHandler } from 'express';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { AppError } from '../errors';
import {
  DEFAULT_TOKEN_AUDIENCE,
  DEFAULT_TOKEN_ISSUER,
  ROLES,
  TOKEN_ALGORITHMS,
  type AuthUser,
  type Role,
} from './types';
import { VerifiedTokens } from './verified-tokens';

export interface JwtAuthOptions {
  /** The auth service's key set (`AUTH_JWKS_URL`), e.g. `http://auth:8002/.well-known/jwks.json`. */
  jwksUrl: string;
  issuer?: string;
  audience?: string;
  /** How long fetched keys are trusted before the set is fetched again (default 10 minutes). */
  cacheMaxAgeMs?: number;
  /**
   * Least time between two fetches (default 30 s). A token with an unknown `kid` (a rotated key)
   * triggers a fetch, unless one happened within this time.
   */
  cooldownMs?: number;
  /** Timeout of one JWKS fetch (default 5 s). */
  timeoutMs?: number;
  /** Tolerated clock difference with the auth service, in seconds (default 5). */
  clockToleranceSeconds?: number;
  /**
   * The tokens the auth service revoked (logout, deactivation, a reused refresh token), as the
   * service heard of them; a revoked token is refused with 401 `TOKEN_REVOKED`. Must be cheap:
   * it runs on every authenticated request.
   */
  revocations?: { isRevoked(user: AuthUser): boolean };
  /**
   * Tokens whose verification is remembered (default 10,000, about 1 KB each): a token seen again
   * within `verifiedTokenTtlMs` and before its `exp` is not checked against the key set again.
   */
  verifiedTokenCacheSize?: number;
  /**
   * How long a verified token is trusted without checking its signature (default 60 s): kept well
   * under `cacheMaxAgeMs`, the time a key removed from the set is trusted anyway.
   */
  verifiedTokenTtlMs?: number;
}

export interface JwtAuth {
  /** Verifies the bearer token and sets `req.user`; 401 when it is missing or not valid. */
  requireAuth(): RequestHandler;
  /** `requireAuth()`, then 403 unless the user has one of `roles`. */
  requireRole(...roles: Role[]): RequestHandler;
  /** Verifies a token (from a WebSocket `?token=`, say); throws a 401 `AppError` when it is not valid. */
  verify(token: string): Promise<AuthUser>;
}

const BEARER = /^Bearer ([\w-]+\.[\w-]*\.[\w-]*)$/;

/** jose's error codes that mean "this token is not acceptable" rather than "we could not check". */
const TOKEN_ERROR_CODES = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

/**
 * Verification of the auth service's access tokens, locally, against its JWKS: fetched once,
 * cached, and fetched again when a token names a key the cache lacks (key rotation). A token that
 * passed is trusted again for a minute (not past its `exp`) without checking its signature; whether
 * it was revoked is asked on every request.
 *
 * @example
 * const auth = jwtAuth({ jwksUrl: config.AUTH_JWKS_URL });
 * app.get('/api/v1/tickets', auth.requireAuth(), list);
 * app.delete('/api/v1/tickets/:id', auth.requireRole('admin'), remove);
 */
export function jwtAuth(options: JwtAuthOptions): JwtAuth {
  const {
    jwksUrl,
    issuer = DEFAULT_TOKEN_ISSUER,
    audience = DEFAULT_TOKEN_AUDIENCE,
    cacheMaxAgeMs = 600_000,
    cooldownMs = 30_000,
    timeoutMs = 5_000,
    clockToleranceSeconds = 5,
    revocations,
    verifiedTokenCacheSize = 10_000,
    verifiedTokenTtlMs = 60_000,
  } = options;
  // Fetched on first use, then cached; an unknown kid refetches (at most once per cooldown).
  const keys = createRemoteJWKSet(new URL(jwksUrl), {
    cacheMaxAge: cacheMaxAgeMs,
    cooldownDuration: cooldownMs,
    timeoutDuration: timeoutMs,
  });
  const verified = new VerifiedTokens({ maxEntries: verifiedTokenCacheSize, ttlMs: verifiedTokenTtlMs });

  async function verify(token: string): Promise<AuthUser> {
    const user = verified.get(token) ?? (await verifySignedToken(token));
    if (revocations?.isRevoked(user)) {
      throw new AppError('TOKEN_REVOKED', {
        message:
          'The access token was revoked (logout, deactivation or a reused refresh token); log in again',
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="revoked"' },
      });
    }
    return user;
  }

  /** Checks the token's signature and claims, and remembers it once it passed. */
  async function verifySignedToken(token: string): Promise<AuthUser> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer,
        audience,
        algorithms: [...TOKEN_ALGORITHMS],
        clockTolerance: clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw toAppError(error);
    }
    const user = userOf(payload);
    // `exp` is a required claim, so jose has checked it is a number.
    verified.set(token, user, (payload.exp as number) * 1000);
    return user;
  }

  function requireAuth(): RequestHandler {
    return function requireAuth(req, _res, next) {
      const match = BEARER.exec(req.get('authorization') ?? '');
      if (!match?.[1]) {
        next(unauthorized('A bearer access token is required'));
        return;
      }
      verify(match[1]).then((user) => {
        req.user = user;
        next();
      }, next);
    };
  }

  return {
    verify,
    requireAuth,
    requireRole(...roles) {
      const authenticate = requireAuth();
      const authorize = requireRole(...roles);
      return function requireRoleWithAuth(req, res, next) {
        authenticate(req, res, (error?: unknown) => (error ? next(error) : authorize(req, res, next)));
      };
    },
  };
}

/**
 * 403 unless `req.user` (set by `requireAuth()` earlier in the chain) has one of `roles`;
 * 401 when nobody is authenticated.
 */
export function requireRole(...roles: Role[]): RequestHandler {
  const allowed = new Set<Role>(roles);
  return function requireRole(req, _res, next) {
    if (!req.user) next(unauthorized('A bearer access token is required'));
    else if (!allowed.has(req.user.role))
      next(new AppError('FORBIDDEN', { message: `This requires the role ${roles.join(' or ')}` }));
    else next();
  };
}

function userOf(payload: JWTPayload): AuthUser {
  const { sub, username, role, sid, iat } = payload as JWTPayload & Record<string, unknown>;
  if (typeof sub !== 'string' || typeof username !== 'string' || !ROLES.includes(role as Role)) {
    throw unauthorized('The access token lacks its subject, username or role');
  }
  return {
    id: sub,
    username,
    role: role as Role,
    ...(typeof sid === 'string' ? { sessionId: sid } : {}),
    ...(typeof iat === 'number' ? { issuedAt: iat } : {}),
  };
}

function toAppError(error: unknown): AppError {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TOKEN_ERROR_CODES.has(code)) {
    const message =
      code === 'ERR_JWT_EXPIRED' ? 'The access token has expired' : 'The access token is not valid';
    return unauthorized(message, error);
  }
  // The key set could not be fetched or read: not the caller's fault.
  return new AppError('DEPENDENCY_UNAVAILABLE', {
    message: 'The auth service keys are unavailable; try again shortly',
    cause: error,
  });
}

function unauthorized(message: string, cause?: unknown): AppError {
  return new AppError('UNAUTHORIZED', {
    message,
    cause,
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });
}
