/**
 * Programmatic API of the local engines, for the test harness, benchmarks and the dev
 * runner. The CLI (`support-engines`) is built on the same functions.
 */
export {
  ENGINE_NAMES,
  isEngineName,
  type EngineName,
  type EngineOptions,
  type RunningEngine,
} from './engine';
export {
  EngineStartError,
  EnginesError,
  InstallStepError,
  MissingToolchainError,
  NotInstalledError,
  UsageError,
} from './errors';
export { install, type InstallOptions, type InstallResult } from './install';
export { requireTools, TOOL_HINTS } from './install/toolchain';
export { percentile } from './percentile';
export { startMongo, type MongoEngine } from './mongo';
export { freePort, canConnect } from './net';
export { cacheDir, dataRoot, enginePaths, repoRoot } from './paths';
export { runEngine } from './run-engine';
export { startEngine, type EngineProcess, type StartEngineOptions } from './start';
export { STANDARD_PORTS, up } from './up';
