/** What `npm run dev` runs, on the standard ports of docs/architecture.md. */
export const ENGINE_URLS = {
  kafka: '127.0.0.1:9092',
  mongo: 'mongodb://127.0.0.1:27017',
  s3: 'http://127.0.0.1:9000',
  prometheus: 'http://127.0.0.1:9090',
  alertmanager: 'http://127.0.0.1:9093',
} as const;

export const SERVICES = [
  { name: 'ticket', port: 8001 },
  { name: 'auth', port: 8002 },
  { name: 'file', port: 8003 },
  { name: 'realtime', port: 8004 },
] as const;

export type ServiceName = (typeof SERVICES)[number]['name'];

/**
 * The environment every service gets locally; anything already set in the shell wins, but PORT and
 * NODE_ENV.
 */
export function serviceEnv(port: number, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    KAFKA_BROKERS: ENGINE_URLS.kafka,
    MONGO_URL: ENGINE_URLS.mongo,
    S3_ENDPOINT: ENGINE_URLS.s3,
    AUTH_JWKS_URL: 'http://127.0.0.1:8002/.well-known/jwks.json',
    // Locally every client is this machine: `npm run load` names its simulated clients with
    // X-Forwarded-For, which only a forwarder the services trust may set (none by default).
    TRUST_PROXY: 'loopback',
    // The pinned AWS SDK warns on Node 20 at every start; the README says why it is pinned.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...env,
    PORT: String(port),
    // Lets a frontend's dev server on any localhost port call the API from a browser (CORS). Always
    // set: a shell or test runner's NODE_ENV (jest's `test`) would close CORS to it.
    NODE_ENV: 'development',
  };
}
