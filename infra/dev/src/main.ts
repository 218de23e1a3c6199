import { runDev } from './run-dev';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--fresh');
if (unknown.length > 0) {
  process.stderr.write(`usage: npm run dev [-- --fresh]   (unknown: ${unknown.join(' ')})\n`);
  process.exit(2);
}
runDev({ fresh: args.includes('--fresh') }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`dev: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
