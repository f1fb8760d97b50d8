import {
  BeforeApplicationShutdown,
  Inject,
  Logger,
  Module,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { createReplayKit, ReplayKit, ReplayRunner } from '@app/replay';
import { ReplayService } from './replay.service';
import { ReplaysController } from './replays.controller';

export const REPLAY_KIT = Symbol('ReplayKit');

/**
 * Replays of the raw archive at /v1/replays. Jobs left running by a stopped or crashed process are
 * resumed from their checkpoints when the console starts.
 */
@Module({
  controllers: [ReplaysController],
  providers: [
    {
      provide: REPLAY_KIT,
      inject: [AppConfig, Kafka, DataSource],
      useFactory: (config: AppConfig, kafka: Kafka, db: DataSource) =>
        createReplayKit(config, kafka, db),
    },
    { provide: ReplayRunner, inject: [REPLAY_KIT], useFactory: (kit: ReplayKit) => kit.runner },
    ReplayService,
  ],
  exports: [REPLAY_KIT, ReplayRunner],
})
export class ReplayModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReplayModule.name);

  constructor(@Inject(REPLAY_KIT) private readonly kit: ReplayKit) {}

  async onApplicationBootstrap(): Promise<void> {
    // the console starts even when the database is not there yet: the jobs wait for the next start
    const resumed = await this.kit.runner.resumeOrphans().catch((error: Error) => {
      this.logger.warn(`interrupted replays not resumed: ${error.message}`);
      return [];
    });
    if (resumed.length > 0) this.logger.log(`resuming replays ${resumed.join(', ')}`);
  }

  // before the pool closes (PersistenceModule): running jobs stop at a checkpoint and are let go
  async beforeApplicationShutdown(): Promise<void> {
    await this.kit.close();
  }
}
