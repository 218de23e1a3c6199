import type { LogSink } from './process';

export const ENGINE_NAMES = ['kafka', 'mongo', 's3'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export function isEngineName(name: string): name is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(name);
}

export interface EngineOptions {
  /** 0 picks a free port. */
  port: number;
  /** Created when missing; a restart on the same directory keeps everything. */
  dataDir: string;
  log: LogSink;
}

/** An engine running inside this process (or as our child processes). */
export interface RunningEngine {
  /** What clients use: a broker list `host:port` for Kafka, a URL otherwise. */
  readonly url: string;
  /** Resolves when the engine stopped by itself (a crash) or after `stop()`. */
  readonly exited: Promise<void>;
  stop(): Promise<void>;
}
