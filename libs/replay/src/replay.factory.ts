import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '@app/config';
import { TOPICS } from '@app/contracts';
import { REPLAY_GROUP_PREFIX } from '@app/kafka/acls';
import { KafkaRawArchive } from './raw-archive';
import { ReplayJobRepository } from './replay-job.repository';
import { ReplayEngine } from './replay.engine';
import { KafkaReplaySink } from './replay.publisher';
import { ReplayRunner } from './replay.runner';
import { RequestRedriver } from './request.redriver';
import { SourceNormalizers } from './source-normalizers';

/** a running job whose heartbeat (renewed every 10 s) is older than this was interrupted */
export const REPLAY_STALE_SECONDS = 30;

export interface ReplayKit {
  runner: ReplayRunner;
  engine: ReplayEngine;
  sources: SourceNormalizers;
  archive: KafkaRawArchive;
  sink: KafkaReplaySink;
  /** re-drives ingest-stage dead letters by replaying their requests */
  redriver: RequestRedriver;
  /** stops the jobs this process runs (they resume at the next start) and disconnects */
  close(): Promise<void>;
}

/** everything a replay needs, from the configuration, a Kafka client and a database */
export function createReplayKit(config: AppConfig, kafka: Kafka, db: DataSource): ReplayKit {
  const sources = new SourceNormalizers(config.gateway.sources);
  const archive = new KafkaRawArchive(
    kafka,
    TOPICS.raw,
    REPLAY_GROUP_PREFIX,
    config.replay.fetchMaxBytes,
  );
  const sink = new KafkaReplaySink(kafka, config.gateway.publish.maxBatchBytes);
  const options = {
    slackMs: config.replay.slackSeconds * 1000,
    maxMessageBytes: config.gateway.publish.maxBatchBytes,
  };
  const engine = new ReplayEngine(archive, sources, sink, options);
  const runner = new ReplayRunner(new ReplayJobRepository(db), engine, sources, {
    maxWindowDays: config.replay.maxWindowDays,
    staleSeconds: REPLAY_STALE_SECONDS,
  });
  return {
    runner,
    engine,
    sources,
    archive,
    sink,
    redriver: new RequestRedriver(archive, sources, sink, options),
    close: async () => {
      await runner.shutdown();
      await sink.close();
    },
  };
}
