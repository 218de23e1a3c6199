/** The roles of docs/architecture.md ("Identity"). */
export const ROLES = ['employee', 'agent', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who made a request, as the verified access token says. */
export interface AuthUser {
  id: string;
  username: string;
  role: Role;
  /** The auth service's session the token belongs to. */
  sessionId?: string;
  /** When the token was issued (`iat`), in seconds since the epoch. */
  issuedAt?: number;
}

/** Issuer and audience of the access tokens the auth service signs, unless configured otherwise. */
export const DEFAULT_TOKEN_ISSUER = 'support-center-auth';
export const DEFAULT_TOKEN_AUDIENCE = 'support-center';

/** The signature algorithms access tokens may use; anything else (`none` included) is refused. */
export const TOKEN_ALGORITHMS = ['EdDSA', 'ES256'] as const;

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `requireAuth()`/`requireRole()` once the bearer token is verified. */
    user?: AuthUser;
  }
}
