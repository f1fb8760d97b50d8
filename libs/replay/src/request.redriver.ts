import { partitionOfKey } from '@app/kafka/murmur2.partitioner';
import type { RawArchive } from './raw-archive';
import type { OffsetRange } from './raw-archive.reader';
import { RawRequest, rawRequestOf } from './raw-request';
import { isPastWindow, readingStart } from './replay-window';
import type { ReplaySink } from './replay.publisher';
import { replayRequest } from './request.replayer';
import type { SourceNormalizers } from './source-normalizers';

/** an ingest-stage dead letter, as far as its re-drive needs it */
export interface IngestLetter {
  source: string | null;
  requestId?: string;
  /** when the gateway received the request (ingest-stage letters carry the received-at) */
  occurredAt: string;
}

export interface RequestRedriveOutcome {
  status: 'done' | 'failed';
  outcome: string;
}

interface Found {
  request: RawRequest;
  partition: number;
  offset: string;
}

/**
 * Re-drives ingest-stage dead letters: each letter's request is found on the raw archive (its key
 * is the request id, so the gateway's murmur2 partitioner names the partition, and its received-at
 * where to start reading) and replayed with today's normalizer, once per request however many of
 * its letters are re-driven together. One outcome per letter, in order.
 */
export class RequestRedriver {
  constructor(
    private readonly archive: RawArchive,
    private readonly normalizers: SourceNormalizers,
    private readonly sink: ReplaySink,
    private readonly options: { slackMs: number; maxMessageBytes: number },
  ) {}

  async redrive(letters: IngestLetter[], replayId: string): Promise<RequestRedriveOutcome[]> {
    const outcomes: (RequestRedriveOutcome | undefined)[] = letters.map((letter) => {
      if (!letter.requestId) return failed('the letter names no request id: nothing to replay');
      if (!letter.source || !this.normalizers.has(letter.source))
        return failed(`source "${letter.source}" is not configured: its bodies cannot be read`);
      if (Number.isNaN(Date.parse(letter.occurredAt)))
        return failed(`occurredAt "${letter.occurredAt}" is not a time`);
      return undefined;
    });
    const wanted = letters.filter((_, i) => outcomes[i] === undefined);
    if (wanted.length === 0) return outcomes as RequestRedriveOutcome[];

    const found = await this.find(wanted);
    const replayed = new Map<string, RequestRedriveOutcome>();
    for (const [requestId, hit] of found) replayed.set(requestId, await this.replay(hit, replayId));
    return letters.map((letter, i) => {
      const early = outcomes[i];
      if (early) return early;
      return (
        replayed.get(letter.requestId!) ??
        failed(
          `request ${letter.requestId} is not on the raw archive near ${letter.occurredAt} (expired by retention, or never archived)`,
        )
      );
    });
  }

  private async replay(
    { request, partition, offset }: Found,
    replayId: string,
  ): Promise<RequestRedriveOutcome> {
    const normalizer = this.normalizers.for(request);
    if (!normalizer || !request.source || !request.receivedAt || !request.requestId)
      return failed(
        `request ${request.requestId} on the raw archive cannot be read (no normalizer or headers)`,
      );
    const result = replayRequest(
      request.body,
      {
        source: request.source,
        requestId: request.requestId,
        receivedAt: request.receivedAt,
        replayId,
      },
      normalizer,
      this.options.maxMessageBytes,
    );
    try {
      await this.sink.publish(result.messages);
    } catch (error) {
      return failed(`Kafka did not take the replayed messages: ${(error as Error).message}`);
    }
    return {
      status: 'done',
      outcome: `replayed request ${request.requestId} from webhooks.raw.v1 partition ${partition} offset ${offset} as replay ${replayId}: ${result.records} record(s), ${result.deadLetters} dead letter(s) of ${result.readings} reading(s)`,
    };
  }

  /** the raw messages of the letters' requests, by request id */
  private async find(letters: IngestLetter[]): Promise<Map<string, Found>> {
    const ends = await this.archive.endOffsets();
    const partitions = ends.length;
    // per partition: the request ids to find, where to start and when to give up
    const plans = new Map<number, { ids: Set<string>; from: number; until: number }>();
    for (const { requestId, occurredAt } of letters) {
      const partition = partitionOfKey(requestId!, partitions);
      const at = Date.parse(occurredAt);
      const plan = plans.get(partition) ?? { ids: new Set(), from: at, until: at };
      plan.ids.add(requestId!);
      plan.from = Math.min(plan.from, at);
      plan.until = Math.max(plan.until, at);
      plans.set(partition, plan);
    }
    const ranges = new Map<number, OffsetRange>();
    for (const [partition, plan] of plans) {
      const starts = await this.archive.offsetsAt(
        readingStart(new Date(plan.from), this.options.slackMs),
      );
      const next = starts.find((s) => s.partition === partition)?.offset;
      const end = ends.find((e) => e.partition === partition)?.offset;
      if (next !== undefined && end !== undefined && BigInt(next) >= 0n)
        ranges.set(partition, { next, end });
    }
    const found = new Map<string, Found>();
    await this.archive.read(ranges, (partition, messages) => {
      const plan = plans.get(partition)!;
      for (const message of messages) {
        if (isPastWindow(Number(message.timestamp), new Date(plan.until), this.options.slackMs))
          return Promise.resolve('done');
        const key = message.key?.toString();
        if (key === undefined || !plan.ids.has(key)) continue;
        found.set(key, { request: rawRequestOf(message), partition, offset: message.offset });
        plan.ids.delete(key);
        if (plan.ids.size === 0) return Promise.resolve('done');
      }
      return Promise.resolve('more');
    });
    return found;
  }
}

function failed(outcome: string): RequestRedriveOutcome {
  return { status: 'failed', outcome };
}
