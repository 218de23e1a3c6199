import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '@support-center/service-kit';
import type { LoginMethod } from './users';

/** Why a session ended; `revoked` covers refresh-token reuse and deactivated users. */
export type EndReason = 'logout' | 'expired' | 'revoked';

export interface Session {
  id: string;
  userId: string;
  username: string;
  role: Role;
  method: LoginMethod;
  createdAt: Date;
  /** Absolute end of the session: refresh tokens are refused from then on. */
  expiresAt: Date;
  /** sha256 of the refresh token that may be used next. */
  refreshHash: string;
  endedAt: Date | null;
  endReason: EndReason | null;
}

/**
 * A refresh token is `<sessionId>.<secret>`: the id finds the session by `_id` (indexed on
 * every engine), only the hash of the whole token is stored.
 */
export function newRefreshToken(sessionId: string): string {
  return `${sessionId}.${randomBytes(32).toString('base64url')}`;
}

export function newSessionId(): string {
  return randomUUID();
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function sessionIdOf(refreshToken: string): string | undefined {
  const match = /^([0-9a-f-]{36})\.[\w-]{43}$/.exec(refreshToken);
  return match?.[1];
}

export function isLive(session: Pick<Session, 'endedAt' | 'expiresAt'>, now: Date): boolean {
  return session.endedAt === null && session.expiresAt.getTime() > now.getTime();
}

export function sessionSeconds(session: Pick<Session, 'createdAt'>, end: Date): number {
  return Math.max(0, (end.getTime() - session.createdAt.getTime()) / 1000);
}
