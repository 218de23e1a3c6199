import fs from 'node:fs';
import path from 'node:path';
import { cleanEnv, runCommand } from './run-command';
import { hashInputs } from './stamp';
import type { InstallContext, InstallStep } from './step';

/** Pinned: 3.7.1 is the version checked against @aws-sdk/client-s3 (see README). */
export const S3RVER_VERSION = '3.7.1';

/**
 * The S3-compatible server from npm, installed into its own prefix in the cache: never
 * into the workspace tree, so the repository's package-lock.json is never touched.
 */
export function s3Step(context: InstallContext): InstallStep {
  const prefix = context.paths.s3Prefix;
  const manifest = { name: 'support-engines-s3', private: true, dependencies: { s3rver: S3RVER_VERSION } };
  return {
    name: 's3',
    tools: ['npm'],
    stampFile: path.join(prefix, '.stamp'),
    outputs: [path.join(context.paths.s3rverModule, 'package.json')],
    digest: () => hashInputs([JSON.stringify(manifest)]),
    async run({ env, log }) {
      fs.mkdirSync(prefix, { recursive: true });
      fs.writeFileSync(path.join(prefix, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      await runCommand(
        's3',
        'npm',
        ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-workspaces', '--omit=dev'],
        { cwd: prefix, env: cleanEnv(env), log },
      );
    },
  };
}
