import fs from 'node:fs';
import path from 'node:path';
import { kafkaPomPath } from '../paths';
import { runCommand } from './run-command';
import { hashFiles } from './stamp';
import type { InstallContext, InstallStep } from './step';

/** Kafka's jars and their dependencies, copied from Maven Central as the pom pins them. */
export function kafkaStep(context: InstallContext): InstallStep {
  const libs = context.paths.kafkaLibs;
  return {
    name: 'kafka',
    tools: ['mvn'],
    stampFile: path.join(path.dirname(libs), '.stamp'),
    outputs: [libs],
    digest: () => hashFiles([kafkaPomPath]),
    async run({ env, log }) {
      // Copy into a fresh directory and rename at the end, so an interrupted install
      // never leaves a half-filled libs dir that looks complete.
      const staging = `${libs}.partial`;
      fs.rmSync(staging, { recursive: true, force: true });
      await runCommand(
        'kafka',
        'mvn',
        [
          '-B',
          '-q',
          // Maven colours its output even in batch mode; these lines go to our log.
          '-Dstyle.color=never',
          '-f',
          kafkaPomPath,
          'dependency:copy-dependencies',
          '-DincludeScope=runtime',
          `-DoutputDirectory=${staging}`,
        ],
        { cwd: path.dirname(kafkaPomPath), env, log },
      );
      fs.rmSync(libs, { recursive: true, force: true });
      fs.renameSync(staging, libs);
    },
  };
}
