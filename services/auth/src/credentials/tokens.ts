import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import {
  AppError,
  ConfigError,
  ROLES,
  TOKEN_ALGORITHMS,
  type AuthUser,
  type Role,
} from '@support-center/service-kit';

export interface TokenSignerOptions {
  /** PKCS8 PEM of an Ed25519 or P-256 key; generated when absent. */
  signingKey?: string;
  /** SPKI PEM of the key used before the current one, still published while its tokens live. */
  previousPublicKey?: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** Told when a key is generated: tokens then do not survive a restart or verify on other instances. */
  onGeneratedKey?: () => void;
}

export interface SignedToken {
  token: string;
  expiresIn: number;
}

export interface TokenSigner {
  readonly kid: string;
  sign(user: { id: string; username: string; role: Role }, sessionId: string): Promise<SignedToken>;
  /** Verifies one of this service's tokens locally; throws a 401 `AppError` when it is not valid. */
  verify(token: string): Promise<AuthUser>;
  /** The public keys, as `GET /.well-known/jwks.json` serves them. */
  jwks(): { keys: JWK[] };
}

type Algorithm = (typeof TOKEN_ALGORITHMS)[number];

/** Signs short-lived access tokens (EdDSA or ES256, by the key's type) and publishes their keys. */
export async function createTokenSigner(options: TokenSignerOptions): Promise<TokenSigner> {
  const { issuer, audience, ttlSeconds } = options;
  let privateKey: KeyObject;
  if (options.signingKey) {
    privateKey = readKey('AUTH_SIGNING_KEY', () => createPrivateKey(options.signingKey as string));
  } else {
    privateKey = generateKeyPairSync('ed25519').privateKey;
    options.onGeneratedKey?.();
  }
  const alg = algorithmOf('AUTH_SIGNING_KEY', privateKey);
  const current = await publicJwk(createPublicKey(privateKey), alg);
  const keys = [current];
  if (options.previousPublicKey) {
    const previous = readKey('AUTH_PREVIOUS_PUBLIC_KEY', () =>
      createPublicKey(options.previousPublicKey as string),
    );
    const jwk = await publicJwk(previous, algorithmOf('AUTH_PREVIOUS_PUBLIC_KEY', previous));
    if (jwk.kid !== current.kid) keys.push(jwk);
  }
  const localKeys = createLocalJWKSet({ keys });
  const kid = current.kid as string;

  return {
    kid,
    async sign(user, sessionId) {
      const token = await new SignJWT({ username: user.username, role: user.role, sid: sessionId })
        .setProtectedHeader({ alg, kid, typ: 'JWT' })
        .setSubject(user.id)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey);
      return { token, expiresIn: ttlSeconds };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, localKeys, {
          issuer,
          audience,
          algorithms: [...TOKEN_ALGORITHMS],
          requiredClaims: ['sub', 'exp'],
        });
        const { sub, username, role, sid } = payload as Record<string, unknown>;
        if (typeof sub === 'string' && typeof username === 'string' && ROLES.includes(role as Role)) {
          return {
            id: sub,
            username,
            role: role as Role,
            ...(typeof sid === 'string' ? { sessionId: sid } : {}),
          };
        }
      } catch (error) {
        const expired = (error as { code?: unknown }).code === 'ERR_JWT_EXPIRED';
        throw unauthorized(expired ? 'The access token has expired' : 'The access token is not valid', error);
      }
      throw unauthorized('The access token is not valid');
    },
    jwks: () => ({ keys }),
  };
}

export function unauthorized(message: string, cause?: unknown): AppError {
  return new AppError('UNAUTHORIZED', {
    message,
    cause,
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });
}

function readKey(variable: string, read: () => KeyObject): KeyObject {
  try {
    return read();
  } catch (error) {
    throw new ConfigError([`${variable}: cannot be read (${(error as Error).message})`]);
  }
}

function algorithmOf(variable: string, key: KeyObject): Algorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new ConfigError([`${variable}: must be an Ed25519 or P-256 (prime256v1) key`]);
}

/** The public JWK, its kid the RFC 7638 thumbprint: the same on every instance sharing the key. */
async function publicJwk(key: KeyObject, alg: Algorithm): Promise<JWK> {
  const jwk = await exportJWK(key);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg, use: 'sig' };
}
