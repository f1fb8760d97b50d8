import type { KafkaMessage } from 'kafkajs';
import type { OutgoingMessage } from '@app/kafka/messages';
import type { RawArchive } from './raw-archive';
import type { BatchVerdict } from './raw-archive.reader';
import { rawRequestOf } from './raw-request';
import {
  initialCheckpoints,
  inWindow,
  isPastWindow,
  openPartitions,
  readingStart,
} from './replay-window';
import type { ReplaySink } from './replay.publisher';
import { ReplayCounters, ReplayProgress, ReplaySpec, ZERO_COUNTERS } from './replay.types';
import { replayRequest } from './request.replayer';
import type { SourceNormalizers } from './source-normalizers';

export interface ReplayEngineOptions {
  /** see readingStart: how far produce times may stray from received-at */
  slackMs: number;
  /** a record larger than this becomes a dead letter, as at the gateway (PUBLISH_MAX_BATCH_BYTES) */
  maxMessageBytes: number;
}

/** called once the start offsets are known and after every batch; 'cancel' stops the replay there */
export type CheckpointHook = (progress: ReplayProgress) => Promise<'continue' | 'cancel'>;

export interface ReplayOutcome {
  progress: ReplayProgress;
  /** stopped by the checkpoint hook before the end */
  cancelled: boolean;
}

/**
 * Re-reads one source's archived requests received in a window, normalizes each with today's
 * normalizer and publishes the records and dead letters the gateway would write for it now.
 * Progress is each partition's next offset, reported after its messages were acknowledged:
 * resuming from a checkpoint repeats at most the batch in flight, whose records carry the same
 * event ids as before and are stored once.
 */
export class ReplayEngine {
  constructor(
    private readonly archive: RawArchive,
    private readonly normalizers: SourceNormalizers,
    /** where records go; never used by a dry run */
    private readonly sink: ReplaySink,
    private readonly options: ReplayEngineOptions,
  ) {}

  async run(
    replayId: string,
    spec: ReplaySpec,
    resumeFrom: ReplayProgress | undefined,
    checkpoint: CheckpointHook,
  ): Promise<ReplayOutcome> {
    const started = Date.now();
    const counters: ReplayCounters = { ...ZERO_COUNTERS, ...resumeFrom?.counters };
    const baseDuration = counters.durationMs;
    const checkpoints =
      resumeFrom && Object.keys(resumeFrom.checkpoints).length > 0
        ? structuredClone(resumeFrom.checkpoints)
        : initialCheckpoints(
            await this.archive.offsetsAt(readingStart(spec.from, this.options.slackMs)),
            await this.archive.endOffsets(),
          );
    const progress: ReplayProgress = { checkpoints, counters };
    const report = () => {
      counters.durationMs = baseDuration + (Date.now() - started);
      return checkpoint(progress);
    };
    let cancelled = (await report()) === 'cancel';
    if (cancelled) return { progress, cancelled };

    const ranges = openPartitions(checkpoints);
    await this.archive.read(ranges, async (partition, messages, heartbeat) => {
      const { out, verdict, next } = this.replayBatch(replayId, spec, messages, counters);
      if (!spec.dryRun && out.length > 0) {
        await this.sink.publish(out);
        await heartbeat();
      }
      const state = checkpoints[String(partition)];
      state.next = next.toString();
      if (verdict === 'done' || next >= BigInt(state.end)) state.done = true;
      if ((await report()) === 'cancel') {
        cancelled = true;
        return 'stop';
      }
      return verdict;
    });
    for (const state of Object.values(checkpoints))
      if (BigInt(state.next) >= BigInt(state.end)) state.done = true;
    if (!cancelled) await report();
    return { progress, cancelled };
  }

  /** one partition's batch: the messages to publish and the next offset to read */
  private replayBatch(
    replayId: string,
    spec: ReplaySpec,
    messages: KafkaMessage[],
    counters: ReplayCounters,
  ): { out: OutgoingMessage[]; verdict: BatchVerdict; next: bigint } {
    const out: OutgoingMessage[] = [];
    const slackMs = this.options.slackMs;
    for (const message of messages) {
      // stamped well after the window: this partition holds nothing more of it
      if (isPastWindow(Number(message.timestamp), spec.to, slackMs))
        return { out, verdict: 'done', next: BigInt(message.offset) };
      counters.requestsScanned++;
      const request = rawRequestOf(message);
      if (request.source !== spec.source) continue;
      const receivedAt = request.receivedAt === undefined ? NaN : Date.parse(request.receivedAt);
      if (Number.isNaN(receivedAt) || request.requestId === undefined) {
        counters.errors++;
        continue;
      }
      if (!inWindow(receivedAt, spec.from, spec.to)) continue;
      counters.requestsMatched++;
      const normalizer = this.normalizers.for(request);
      if (!normalizer) {
        counters.errors++;
        continue;
      }
      const replayed = replayRequest(
        request.body,
        {
          source: spec.source,
          requestId: request.requestId,
          receivedAt: new Date(receivedAt).toISOString(),
          replayId,
        },
        normalizer,
        this.options.maxMessageBytes,
      );
      counters.readings += replayed.readings;
      counters.records += replayed.records;
      counters.deadLetters += replayed.deadLetters;
      if (!spec.dryRun) for (const m of replayed.messages) out.push(m);
    }
    return { out, verdict: 'more', next: BigInt(messages[messages.length - 1].offset) + 1n };
  }
}
