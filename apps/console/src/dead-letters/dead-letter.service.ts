import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { DeadLetterV1 } from '@app/contracts';
import { decodeDeadLetterCursor, encodeDeadLetterCursor } from './dead-letter.cursor';
import {
  DeadLetterDto,
  DeadLetterListQueryDto,
  DeadLetterPageDto,
  DeadLetterSummaryDto,
  RedriveResponseDto,
  RedriveResultDto,
} from './dead-letter.dto';
import {
  CONSUME_REDRIVER,
  DeadLetterRedriver,
  INGEST_REDRIVER,
  RedrivableLetter,
  RedriveContext,
  RedriveOutcome,
} from './dead-letter.redriver';
import { DeadLetterRepository, RedriveRecord, StoredDeadLetter } from './dead-letter.repository';

/** lists, shows and re-drives stored dead letters; hands out DTOs, never rows */
@Injectable()
export class DeadLetterService {
  private readonly logger = new Logger(DeadLetterService.name);
  private readonly redrivers: Record<string, DeadLetterRedriver>;

  constructor(
    private readonly repository: DeadLetterRepository,
    @Inject(CONSUME_REDRIVER) consume: DeadLetterRedriver,
    @Inject(INGEST_REDRIVER) ingest: DeadLetterRedriver,
  ) {
    this.redrivers = { consume, ingest };
  }

  async list(query: DeadLetterListQueryDto): Promise<DeadLetterPageDto> {
    const rows = await this.repository.list({
      source: query.source,
      stage: query.stage,
      reasonClass: query.reason_class,
      q: query.q,
      entityId: query.entity_id,
      redriveStatus: query.redrive_status,
      from: query.from,
      to: query.to,
      after: query.cursor === undefined ? undefined : decodeDeadLetterCursor(query.cursor),
      limit: query.limit,
    });
    const items = rows.slice(0, query.limit).map(summaryOf);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > query.limit
          ? encodeDeadLetterCursor({ occurredAt: last.occurredAt, id: last.id })
          : null,
    };
  }

  async get(id: string): Promise<DeadLetterDto> {
    const row = await this.repository.get(id);
    if (!row) throw new NotFoundException(`no dead letter ${id}`);
    return { ...summaryOf(row), letter: letterOf(row) as Record<string, unknown> };
  }

  /**
   * Re-drives the letters by their stage's redriver and records each outcome on the letter: marked
   * pending first, so a re-drive cut short by a crash shows as such.
   */
  async redrive(ids: (string | number)[], context: RedriveContext): Promise<RedriveResponseDto> {
    const asked = [...new Set(ids.map(String))];
    const rows = await this.repository.getMany(asked);
    await this.repository.markPending(rows.map((row) => row.id));
    const outcomes = new Map<string, RedriveOutcome>();
    for (const [stage, letters] of groupByStage(rows)) {
      const redriver = this.redrivers[stage];
      const settled = redriver
        ? await redriver.redrive(letters, context).then(
            (answers) => answers,
            (error: Error) => {
              this.logger.warn(`${stage}-stage re-drive failed as a whole: ${error.message}`);
              return letters.map(() => ({ status: 'failed' as const, outcome: error.message }));
            },
          )
        : letters.map(() => ({
            status: 'failed' as const,
            outcome: `no redriver for stage ${JSON.stringify(stage)}`,
          }));
      letters.forEach((letter, i) =>
        outcomes.set(
          letter.id,
          settled[i] ?? { status: 'failed', outcome: 'the redriver gave no outcome for it' },
        ),
      );
    }
    const records: RedriveRecord[] = [...outcomes].map(([id, o]) => ({ id, ...o }));
    await this.repository.recordOutcomes(records);
    const redriven = records.filter((r) => r.status === 'done').length;
    this.logger.log(
      `re-drive (request ${context.requestId}): ${redriven} of ${asked.length} letter(s) done, ${records.length - redriven} failed, ${asked.length - records.length} not found`,
    );
    return {
      results: asked.map((id): RedriveResultDto =>
        outcomes.has(id)
          ? { id, ...outcomes.get(id)! }
          : { id, status: 'not_found', outcome: `no dead letter ${id}` },
      ),
    };
  }
}

function groupByStage(rows: StoredDeadLetter[]): Map<string, RedrivableLetter[]> {
  const groups = new Map<string, RedrivableLetter[]>();
  for (const row of rows) {
    const stage = row.stage ?? 'unknown';
    const letters = groups.get(stage) ?? [];
    letters.push({
      id: row.id,
      letter: letterOf(row) as DeadLetterV1,
      kafka: { partition: row.kafka_partition, offset: row.kafka_offset },
    });
    groups.set(stage, letters);
  }
  return groups;
}

function letterOf(row: StoredDeadLetter): unknown {
  try {
    return JSON.parse(row.letter ?? '{}');
  } catch {
    // stored only as JSON text (toDeadLetterRow); kept for a hand-edited row
    return { unreadable: row.letter };
  }
}

export function summaryOf(row: StoredDeadLetter): DeadLetterSummaryDto {
  return {
    id: row.id,
    stage: row.stage,
    source: row.source,
    reasons: row.reasons,
    reasonClass: row.reason_class,
    entityId: row.entity_id,
    requestId: row.request_id,
    recordTopic: row.record_topic,
    occurredAt: row.occurred_at.toISOString(),
    receivedAt: row.received_at.toISOString(),
    kafka: { partition: row.kafka_partition, offset: row.kafka_offset },
    redrive:
      row.redrive_status === null
        ? null
        : {
            status: row.redrive_status,
            at: (row.redriven_at ?? row.occurred_at).toISOString(),
            outcome: row.redrive_outcome,
          },
  };
}
