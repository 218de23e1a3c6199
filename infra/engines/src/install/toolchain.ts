import fs from 'node:fs';
import path from 'node:path';
import { MissingToolchainError } from '../errors';

/** How to get each tool on this project's machines (Debian), as data rather than a switch. */
export const TOOL_HINTS: Readonly<Record<string, string>> = {
  java: 'Java 17+ runs Kafka: `apt-get install openjdk-17-jre-headless`',
  mvn: 'Maven fetches Kafka from Maven Central: `apt-get install maven`',
  go: 'Go 1.24+ builds the FerretDB launcher: `apt-get install golang` or https://go.dev/dl/',
  git: 'git applies our patches to FerretDB before its build: `apt-get install git`',
  npm: 'npm installs the S3 server: it comes with Node.js 20 (`apt-get install nodejs npm`)',
};

/** Finds an executable on `env.PATH` (not our own PATH, so tests can simulate a bare machine). */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export function commandExists(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return findExecutable(name, env) !== undefined;
}

/** Throws one error naming every missing tool and how to install it. */
export function requireTools(tools: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const missing = [...new Set(tools)].filter((tool) => !commandExists(tool, env));
  if (missing.length === 0) return;
  const lines = missing.map((tool) => `  - ${tool}: ${TOOL_HINTS[tool] ?? 'install it and put it on PATH'}`);
  throw new MissingToolchainError(
    missing,
    `missing toolchain: ${missing.join(', ')} not found on PATH\n${lines.join('\n')}`,
  );
}
