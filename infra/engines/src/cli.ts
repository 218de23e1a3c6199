#!/usr/bin/env node
import { parseArgs, portFlag, stringFlag } from './args';
import { isEngineName } from './engine';
import { EnginesError, UsageError } from './errors';
import { runForeground } from './foreground';
import { install } from './install';
import { up } from './up';

const USAGE = `usage:
  support-engines install
  support-engines kafka|mongo|s3 --port N --data-dir DIR
  support-engines up [kafka mongo s3 prometheus alertmanager…] [--fresh]`;

async function main(argv: readonly string[]): Promise<number> {
  const { positionals, flags } = parseArgs(argv, new Set(['port', 'data-dir']));
  const [command, ...rest] = positionals;
  if (command === 'install') {
    const { installed, upToDate } = await install();
    console.log(
      `engines: ${installed.length ? `installed ${installed.join(', ')}` : 'nothing to install'}` +
        (upToDate.length ? `; up to date: ${upToDate.join(', ')}` : ''),
    );
    return 0;
  }
  if (command === 'up') return up({ names: rest, fresh: flags.has('fresh') });
  if (command !== undefined && isEngineName(command)) {
    return runForeground(command, portFlag(flags.get('port')), stringFlag('data-dir', flags.get('data-dir')));
  }
  throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
    else if (error instanceof EnginesError) console.error(`support-engines: ${error.message}`);
    else console.error(error);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
