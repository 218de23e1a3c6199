import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseOptions, USAGE, UsageError } from './options';
import { runLoad } from './run-load';

// Where `npm run dev` keeps the demo password it generated (infra/dev).
const KEPT_PASSWORD = resolve(__dirname, '../../../.data/dev/demo-password');

async function main(): Promise<number> {
  const kept = existsSync(KEPT_PASSWORD) ? readFileSync(KEPT_PASSWORD, 'utf8').trim() : undefined;
  const options = parseOptions(process.argv.slice(2), process.env, kept);
  process.stdout.write(
    `load: ${options.rate}/s for ${options.durationSeconds} s against ${options.urls.ticket} (tickets), ${options.urls.auth} (auth)\n`,
  );
  const report = await runLoad(options);
  // Most of the mix must be answered as intended; otherwise say so with the exit code.
  return report.unexpectedShare > 0.2 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
