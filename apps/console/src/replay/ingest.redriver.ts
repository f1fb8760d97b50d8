import { Inject, Injectable } from '@nestjs/common';
import type { ReplayKit } from '@app/replay';
import type {
  DeadLetterRedriver,
  RedrivableLetter,
  RedriveContext,
  RedriveOutcome,
} from '../dead-letters/dead-letter.redriver';
import { REPLAY_KIT } from './replay.module';

/**
 * Ingest stage: a letter's request is replayed from the raw archive with today's normalizer. What
 * it writes is marked as replay `redrive-<the re-drive's request id>`; records keep their event ids.
 */
@Injectable()
export class IngestRedriver implements DeadLetterRedriver {
  constructor(@Inject(REPLAY_KIT) private readonly kit: ReplayKit) {}

  redrive(letters: RedrivableLetter[], context: RedriveContext): Promise<RedriveOutcome[]> {
    return this.kit.redriver.redrive(
      letters.map(({ letter }) => letter),
      `redrive-${context.requestId}`,
    );
  }
}
