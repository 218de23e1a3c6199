import type { EngineName, EngineOptions, RunningEngine } from './engine';
import { startKafka } from './kafka/broker';
import { startMongo } from './mongo';
import { startS3 } from './s3';

const STARTERS: Readonly<Record<EngineName, (options: EngineOptions) => Promise<RunningEngine>>> = {
  kafka: startKafka,
  mongo: startMongo,
  s3: startS3,
};

/** Starts an engine inside this process (its servers become our children). */
export function runEngine(name: EngineName, options: EngineOptions): Promise<RunningEngine> {
  return STARTERS[name](options);
}
