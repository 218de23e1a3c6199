import { spawn } from 'node:child_process';
import { InstallStepError } from '../errors';
import { LineTail, forEachLine } from '../lines';

export interface RunCommandOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** Runs an install command to completion; a failure carries the tail of its output. */
export function runCommand(
  step: string,
  command: string,
  args: string[],
  options: RunCommandOptions,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const tail = new LineTail(40);
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onLine = (line: string): void => {
      tail.push(line);
      options.log(line);
    };
    forEachLine(child.stdout, onLine);
    forEachLine(child.stderr, onLine);
    child.once('error', (error) => reject(new InstallStepError(step, `cannot run ${command}`, error)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new InstallStepError(step, `${command} exited with ${signal ?? code}\n${tail.toString()}`));
    });
  });
}

/**
 * The environment for child package managers: npm's own `npm_*` variables, inherited
 * when we run under `npm run`, would point the child at the workspace root.
 */
export function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
}
