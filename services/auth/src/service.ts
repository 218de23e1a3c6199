import { join } from 'node:path';
import {
  kafkaDependency,
  mongoDependency,
  packageVersion,
  ROLES,
  startService,
  type KafkaDependency,
  type MongoDependency,
} from '@support-center/service-kit';
import type { Telemetry } from '@support-center/telemetry';
import { authRoutes } from './app';
import { loadAuthConfig, type AuthConfig } from './config';
import { LdapDirectory } from './credentials/ldap';
import { PasswordVerifier } from './credentials/passwords';
import { createTokenSigner } from './credentials/tokens';
import type { LockoutPolicy } from './domain/lockout';
import { createAuthPublisher } from './events/publisher';
import { LoginFlows, sessionSweeper } from './login';
import { activeSessionsGauge, AuthMetrics } from './metrics';
import { authCollections, ensureIndexes } from './store/collections';
import { SessionStore } from './store/sessions';
import { ThrottleStore } from './store/throttle';
import { UserStore } from './store/users';
import { DatabaseSetup } from './setup';
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
  let sweepOnce: () => Promise<void> = async () => undefined;
  const databaseSetup = new DatabaseSetup();

  const running = await startService({
    name: 'auth',
    config,
    telemetry,
    dependencies: ({ logger }) => [
      mongoDependency({
        url: config.MONGO_URL,
        dbName: config.MONGO_DB,
        maxPoolSize: config.MONGO_MAX_POOL_SIZE,
        logger,
        metrics: telemetry.metrics,
      }),
      kafkaDependency({ brokers: config.KAFKA_BROKERS, clientId: 'auth', logger }),
      databaseSetup.readiness,
    ],
    build: ({ logger, dependencies }) => {
      if (generatedKey)
        logger.warn(
          'AUTH_SIGNING_KEY is not set: generated a signing key for this process only; tokens will not verify after a restart or on other instances',
        );
      const [mongo, kafka] = dependencies as [MongoDependency, KafkaDependency];
      const collections = authCollections(mongo.connection);
      const publisher = createAuthPublisher({
        connection: mongo.connection,
        kafka: kafka.kafka,
        metrics: telemetry.metrics,
        logger,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
      });
      const users = new UserStore(collections, publisher.written);
      const sessions = new SessionStore(collections, publisher.written);
      const throttle = new ThrottleStore(collections);
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
      sweepOnce = sweeper.sweepOnce;

      const setup = databaseSetup.worker(async () => {
        await passwords.warmUp();
        await ensureIndexes(collections);
        const { AUTH_BOOTSTRAP_ADMIN_USERNAME: username, AUTH_BOOTSTRAP_ADMIN_PASSWORD: password } = config;
        if (username && password) await admin.bootstrapAdmin(username, password);
      });
      return {
        routes: authRoutes({
          flows,
          admin,
          self: new SelfService({ users, passwords, flows }),
          users,
          signer,
          version: VERSION,
        }),
        workers: [setup, publisher.worker, gauge, sweeper],
      };
    },
  });
  return { ...running, config, sweepOnce: () => sweepOnce() };
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
