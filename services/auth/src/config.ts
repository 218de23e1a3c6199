import { z } from 'zod';
import {
  baseConfigSchema,
  DEFAULT_TOKEN_AUDIENCE,
  DEFAULT_TOKEN_ISSUER,
  loadConfig,
  positiveInt,
} from '@support-center/service-kit';
import { newPasswordSchema, passwordContainsUsername, PASSWORD_RULES } from './domain/password-policy';

const optionalText = z.string().trim().min(1).optional();
const pem = (kind: string) =>
  z
    .string()
    // Environment files often carry PEM line breaks as literal "\n".
    .transform((v) => v.replace(/\\n/g, '\n').trim())
    .pipe(
      z
        .string()
        .regex(
          new RegExp(`^-----BEGIN ${kind}-----[\\s\\S]+-----END ${kind}-----$`),
          `must be a ${kind} PEM`,
        ),
    );

const schema = baseConfigSchema({ port: 8002, mongoDb: 'auth' })
  .extend({
    AUTH_BOOTSTRAP_ADMIN_USERNAME: optionalText,
    AUTH_BOOTSTRAP_ADMIN_PASSWORD: newPasswordSchema.optional(),
    AUTH_SIGNING_KEY: pem('PRIVATE KEY').optional(),
    AUTH_PREVIOUS_PUBLIC_KEY: pem('PUBLIC KEY').optional(),
    AUTH_ISSUER: z.string().min(1).default(DEFAULT_TOKEN_ISSUER),
    AUTH_AUDIENCE: z.string().min(1).default(DEFAULT_TOKEN_AUDIENCE),
    AUTH_ACCESS_TOKEN_TTL_SECONDS: positiveInt.max(86_400).default(900),
    AUTH_SESSION_TTL_SECONDS: positiveInt.default(7 * 86_400),
    AUTH_SESSION_SWEEP_INTERVAL_MS: positiveInt.default(60_000),
    AUTH_SESSION_GAUGE_INTERVAL_MS: positiveInt.default(15_000),
    AUTH_LOCKOUT_ACCOUNT_THRESHOLD: positiveInt.default(5),
    AUTH_LOCKOUT_ADDRESS_THRESHOLD: positiveInt.default(20),
    AUTH_LOCKOUT_BASE_MS: positiveInt.default(60_000),
    AUTH_LOCKOUT_MAX_MS: positiveInt.default(900_000),
    AUTH_LOCKOUT_WINDOW_MS: positiveInt.default(900_000),
    LDAP_URL: z
      .string()
      .regex(/^ldaps?:\/\/\S+$/, 'must be an ldap:// or ldaps:// URL')
      .optional(),
    LDAP_BASE_DN: optionalText,
    LDAP_USER_FILTER: z
      .string()
      .refine((v) => v.includes('{{username}}'), 'must contain {{username}}')
      .default('(uid={{username}})'),
    LDAP_BIND_DN: optionalText,
    LDAP_BIND_PASSWORD: z.string().optional(),
    LDAP_AGENT_GROUP: optionalText,
    LDAP_ADMIN_GROUP: optionalText,
    LDAP_TIMEOUT_MS: positiveInt.default(5_000),
  })
  .superRefine((c, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (!!c.AUTH_BOOTSTRAP_ADMIN_USERNAME !== !!c.AUTH_BOOTSTRAP_ADMIN_PASSWORD) {
      problem(
        c.AUTH_BOOTSTRAP_ADMIN_USERNAME ? 'AUTH_BOOTSTRAP_ADMIN_PASSWORD' : 'AUTH_BOOTSTRAP_ADMIN_USERNAME',
        'AUTH_BOOTSTRAP_ADMIN_USERNAME and AUTH_BOOTSTRAP_ADMIN_PASSWORD go together',
      );
    }
    if (
      c.AUTH_BOOTSTRAP_ADMIN_USERNAME &&
      c.AUTH_BOOTSTRAP_ADMIN_PASSWORD &&
      passwordContainsUsername(c.AUTH_BOOTSTRAP_ADMIN_PASSWORD, c.AUTH_BOOTSTRAP_ADMIN_USERNAME)
    )
      problem('AUTH_BOOTSTRAP_ADMIN_PASSWORD', PASSWORD_RULES.username);
    if (c.LDAP_URL && !c.LDAP_BASE_DN) problem('LDAP_BASE_DN', 'is required when LDAP_URL is set');
    if (c.LDAP_BIND_DN && c.LDAP_BIND_PASSWORD === undefined)
      problem('LDAP_BIND_PASSWORD', 'is required when LDAP_BIND_DN is set');
    if (c.AUTH_LOCKOUT_MAX_MS < c.AUTH_LOCKOUT_BASE_MS)
      problem('AUTH_LOCKOUT_MAX_MS', 'must be at least AUTH_LOCKOUT_BASE_MS');
  });

export type AuthConfig = z.infer<typeof schema>;

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): Readonly<AuthConfig> {
  return loadConfig(schema, env);
}
