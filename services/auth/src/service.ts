import { join } from 'node:path';
import { serviceEvents, TOPICS } from '@support-center/events';
import {
  defineService,
  kafkaDependency,
  mongoDependency,
  packageVersion,
  readyOnceStarted,
  ROLES,
  type ServiceContext,
} from '@support-center/service-kit';
import type { Telemetry } from '@support-center/telemetry';
import { authRoutes } from './app';
import { loadAuthConfig, type AuthConfig } from './config';
import { LdapDirectory } from './credentials/ldap';
import { PasswordVerifier } from './credentials/passwords';
import { createTokenSigner, type TokenSigner } from './credentials/tokens';
import type { LockoutPolicy } from './domain/lockout';
import { LoginFlows, sessionSweeper } from './login';
import { activeSessionsGauge, AuthMetrics } from './metrics';
import { authCollections, COLLECTIONS, ensureIndexes } from './store/collections';
import { sessionStore } from './store/sessions';
import { throttleStore } from './store/throttle';
import { userStore } from './store/users';
import { SelfService } from './self-service';
import { UserAdmin } from './user-admin';

const VERSION = packageVersion(join(__dirname, '..'));

/** Starts the auth service; `env` defaults to the process environment (tests pass their own). */
export async function start(telemetry: Telemetry, env: NodeJS.ProcessEnv = process.env) {
  const config = loadAuthConfig(env);
  let generatedKey = false;
  const signer = await createTokenSigner({
    signingKey: config.AUTH_SIGNING_KEY,
    previousPublicKey: config.AUTH_PREVIOUS_PUBLIC_KEY,
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    ttlSeconds: config.AUTH_ACCESS_TOKEN_TTL_SECONDS,
    onGeneratedKey: () => (generatedKey = true),
  });
  const running = await auth(signer, generatedKey).run({ config, telemetry });
  return { ...running, config };
}

/** The auth service on its signer: stores, login flows, the outbox relay, sweeps and the API. */
function auth(signer: TokenSigner, generatedKey: boolean) {
  return defineService({
    name: 'auth',
    dependencies: (context: ServiceContext<Readonly<AuthConfig>>) => ({
      mongo: mongoDependency(context),
      kafka: kafkaDependency(context),
      // Ready means usable: a login as the bootstrap admin right after /ready answers 200 finds it.
      setup: readyOnceStarted('database setup', 'the indexes and the bootstrap admin are not in place yet'),
    }),
    start: ({ config, logger, telemetry, mongo, kafka, setup }) => {
      if (generatedKey)
        logger.warn(
          'AUTH_SIGNING_KEY is not set: generated a signing key for this process only; tokens will not verify after a restart or on other instances',
        );
      const collections = authCollections(mongo.connection);
      const events = serviceEvents({
        service: 'auth',
        kafka: kafka.kafka,
        connection: mongo.connection,
        metrics: telemetry.metrics,
        logger,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
        owns: [TOPICS.auth],
        outbox: { collections: [COLLECTIONS.users, COLLECTIONS.sessions] },
      });
      const users = userStore(collections, events.outbox);
      const sessions = sessionStore(collections, events.outbox);
      const throttle = throttleStore(collections);
      const gauge = activeSessionsGauge({
        metrics: telemetry.metrics,
        count: () => sessions.countLiveByRole(ROLES, new Date()),
        intervalMs: config.AUTH_SESSION_GAUGE_INTERVAL_MS,
        logger,
      });
      const passwords = new PasswordVerifier();
      const flows = new LoginFlows({
        users,
        sessions,
        throttle,
        passwords,
        ldap: ldapDirectory(config),
        signer,
        metrics: new AuthMetrics(telemetry.metrics, logger),
        accountLockout: lockout(config, config.AUTH_LOCKOUT_ACCOUNT_THRESHOLD),
        addressLockout: lockout(config, config.AUTH_LOCKOUT_ADDRESS_THRESHOLD),
        sessionTtlSeconds: config.AUTH_SESSION_TTL_SECONDS,
        accessTokenTtlSeconds: config.AUTH_ACCESS_TOKEN_TTL_SECONDS,
        onSessionsChanged: () => void gauge.refresh(),
        logger,
      });
      const admin = new UserAdmin({
        users,
        endSessionsOf: async (id) => void (await flows.endSessionsOf(id)),
        logger,
      });
      const sweeper = sessionSweeper({
        flows,
        sessions,
        throttle,
        intervalMs: config.AUTH_SESSION_SWEEP_INTERVAL_MS,
        logger,
        metrics: telemetry.metrics,
      });
      const databaseSetup = {
        name: 'auth database setup',
        async start() {
          await passwords.warmUp();
          await ensureIndexes(collections);
          const { AUTH_BOOTSTRAP_ADMIN_USERNAME: username, AUTH_BOOTSTRAP_ADMIN_PASSWORD: password } = config;
          if (username && password) await admin.bootstrapAdmin(username, password);
        },
        stop: async () => undefined,
      };
      return {
        routes: authRoutes({
          flows,
          admin,
          self: new SelfService({ users, passwords, flows }),
          users,
          signer,
          version: VERSION,
        }),
        workers: [...setup.track(databaseSetup), ...events.workers, gauge, sweeper],
        expose: { sweepOnce: sweeper.sweepOnce },
      };
    },
  });
}

function lockout(config: AuthConfig, threshold: number): LockoutPolicy {
  return {
    threshold,
    baseMs: config.AUTH_LOCKOUT_BASE_MS,
    maxMs: config.AUTH_LOCKOUT_MAX_MS,
    windowMs: config.AUTH_LOCKOUT_WINDOW_MS,
  };
}

function ldapDirectory(config: AuthConfig): LdapDirectory | undefined {
  if (!config.LDAP_URL || !config.LDAP_BASE_DN) return undefined;
  return new LdapDirectory({
    url: config.LDAP_URL,
    baseDn: config.LDAP_BASE_DN,
    userFilter: config.LDAP_USER_FILTER,
    bindDn: config.LDAP_BIND_DN,
    bindPassword: config.LDAP_BIND_PASSWORD,
    agentGroup: config.LDAP_AGENT_GROUP,
    adminGroup: config.LDAP_ADMIN_GROUP,
    timeoutMs: config.LDAP_TIMEOUT_MS,
  });
}
