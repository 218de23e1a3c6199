import fs from 'node:fs';
import path from 'node:path';
import { ferretdbLauncherDir } from '../paths';
import { runCommand } from './run-command';
import { hashFiles } from './stamp';
import type { InstallContext, InstallStep } from './step';

/** go.mod, go.sum and every Go source file: a change to any of them must rebuild the launcher. */
function launcherSources(): string[] {
  const goFiles = fs
    .readdirSync(ferretdbLauncherDir)
    .filter((file) => file.endsWith('.go'))
    .sort();
  return ['go.mod', 'go.sum', ...goFiles].map((file) => path.join(ferretdbLauncherDir, file));
}

/** Our FerretDB launcher, built from the committed Go module (go.sum pins every module). */
export function ferretdbStep(context: InstallContext): InstallStep {
  const binary = context.paths.ferretdbBinary;
  return {
    name: 'ferretdb',
    tools: ['go'],
    stampFile: path.join(path.dirname(binary), '.stamp'),
    outputs: [binary],
    digest: () => hashFiles(launcherSources()),
    async run({ env, log }) {
      fs.mkdirSync(path.dirname(binary), { recursive: true });
      const staging = `${binary}.partial`;
      // -mod=readonly: the committed go.sum is the only source of truth; never rewrite it.
      await runCommand('ferretdb', 'go', ['build', '-mod=readonly', '-trimpath', '-o', staging, '.'], {
        cwd: ferretdbLauncherDir,
        env: { ...env, CGO_ENABLED: '0' },
        log,
      });
      fs.renameSync(staging, binary);
    },
  };
}
