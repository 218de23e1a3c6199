import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The auth service's signing key for local runs: AUTH_SIGNING_KEY when set, otherwise one generated
 * once per data directory and kept beside the data. Without it auth makes up a key per process
 * (and warns), so every restart of `npm run dev` would log everyone out.
 */
export function devSigningKey(file: string, env: NodeJS.ProcessEnv): string {
  if (env.AUTH_SIGNING_KEY) return env.AUTH_SIGNING_KEY;
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, pem, { mode: 0o600 });
  return pem;
}
