import type { EnginePaths } from '../paths';

export interface InstallContext {
  cache: string;
  paths: EnginePaths;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** One thing `install` fetches or builds; skipped when its stamp matches its inputs. */
export interface InstallStep {
  readonly name: string;
  /** Tools the step needs only when it has to run. */
  readonly tools: readonly string[];
  readonly stampFile: string;
  /** What must exist for the step to count as done. */
  readonly outputs: readonly string[];
  digest(): string;
  run(context: InstallContext): Promise<void>;
}
