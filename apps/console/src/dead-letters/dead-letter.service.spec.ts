import { NotFoundException } from '@nestjs/common';
import { aDeadLetter, aVehicleRecord } from '@app/contracts/testing';
import type { DeadLetterRedriver, RedrivableLetter } from './dead-letter.redriver';
import { IngestRedriveUnsupported } from './dead-letter.redriver';
import type {
  DeadLetterRepository,
  RedriveRecord,
  StoredDeadLetter,
} from './dead-letter.repository';
import { decodeDeadLetterCursor } from './dead-letter.cursor';
import { DeadLetterService } from './dead-letter.service';

function aStoredLetter(id: string, overrides: Partial<StoredDeadLetter> = {}): StoredDeadLetter {
  const letter = aDeadLetter(
    overrides.stage === 'consume' ? { stage: 'consume', original: aVehicleRecord() } : {},
  );
  return {
    id,
    kafka_partition: 0,
    kafka_offset: id,
    schema: 'dead-letter/v1',
    stage: 'ingest',
    source: 'mobway',
    reasons: letter.reasons,
    reason_class: 'out_of_range',
    entity_id: letter.entityId ?? null,
    request_id: 'req-1',
    record_topic: null,
    occurred_at: new Date(`2025-03-01T13:00:0${id}.000Z`),
    received_at: new Date('2025-03-01T13:00:10.000Z'),
    redrive_status: null,
    redriven_at: null,
    redrive_outcome: null,
    letter: JSON.stringify(letter),
    ...overrides,
  };
}

// a value any text starting so equals (typed: an assertion's any assigned is what lint refuses)
const UNSUPPORTED: unknown = expect.stringMatching(/^not yet supported/);

class FakeRepository {
  rows: StoredDeadLetter[] = [];
  pending: string[][] = [];
  recorded: RedriveRecord[][] = [];
  listed: unknown[] = [];
  list = (filter: { limit: number }) => {
    this.listed.push(filter);
    return Promise.resolve(this.rows.slice(0, filter.limit + 1));
  };
  get = (id: string) => Promise.resolve(this.rows.find((r) => r.id === id));
  getMany = (ids: string[]) => Promise.resolve(this.rows.filter((r) => ids.includes(r.id)));
  markPending = (ids: string[]) => Promise.resolve(void this.pending.push(ids));
  recordOutcomes = (records: RedriveRecord[]) => Promise.resolve(void this.recorded.push(records));
}

class FakeRedriver implements DeadLetterRedriver {
  seen: RedrivableLetter[] = [];
  constructor(
    private readonly answer: (letters: RedrivableLetter[]) => Promise<never> | null = () => null,
  ) {}
  redrive(letters: RedrivableLetter[]) {
    this.seen.push(...letters);
    return (
      this.answer(letters) ??
      Promise.resolve(letters.map((l) => ({ status: 'done' as const, outcome: `sent ${l.id}` })))
    );
  }
}

describe(DeadLetterService.name, () => {
  let repository: FakeRepository;
  let consume: FakeRedriver;
  let sut: DeadLetterService;

  beforeEach(() => {
    repository = new FakeRepository();
    consume = new FakeRedriver();
    sut = new DeadLetterService(
      repository as unknown as DeadLetterRepository,
      consume,
      new IngestRedriveUnsupported(),
    );
  });

  it('pages newest first with a cursor at the last item, none on the last page', async () => {
    repository.rows = ['3', '2', '1'].map((id) => aStoredLetter(id));
    const page = await sut.list({ limit: 2, reason_class: 'out_of_range' });
    expect(page.items.map((i) => i.id)).toEqual(['3', '2']);
    expect(decodeDeadLetterCursor(page.nextCursor)).toEqual({
      occurredAt: '2025-03-01T13:00:02.000Z',
      id: '2',
    });
    expect(repository.listed[0]).toMatchObject({ reasonClass: 'out_of_range', limit: 2 });
    expect((await sut.list({ limit: 3 })).nextCursor).toBeNull();
  });

  it('shows one letter whole, and 404 for an unknown id', async () => {
    repository.rows = [
      aStoredLetter('1', {
        redrive_status: 'failed',
        redriven_at: new Date(0),
        redrive_outcome: 'no',
      }),
    ];
    const shown = await sut.get('1');
    expect(shown).toMatchObject({
      id: '1',
      kafka: { partition: 0, offset: '1' },
      redrive: { status: 'failed', at: '1970-01-01T00:00:00.000Z', outcome: 'no' },
      letter: { stage: 'ingest', original: aDeadLetter().original },
    });
    await expect(sut.get('2')).rejects.toThrow(NotFoundException);
  });

  it('re-drives each letter by its stage, marks them pending first and records every outcome', async () => {
    repository.rows = [aStoredLetter('1', { stage: 'consume' }), aStoredLetter('2')];
    const answer = await sut.redrive(['2', 1, '9', '1'], { requestId: 'r' });
    expect(answer.results).toEqual([
      { id: '2', status: 'failed', outcome: UNSUPPORTED },
      { id: '1', status: 'done', outcome: 'sent 1' },
      { id: '9', status: 'not_found', outcome: 'no dead letter 9' },
    ]);
    expect(consume.seen.map((l) => [l.id, l.letter.stage])).toEqual([['1', 'consume']]);
    expect(repository.pending).toEqual([['1', '2']]);
    expect(repository.recorded[0]).toEqual(
      expect.arrayContaining([
        { id: '1', status: 'done', outcome: 'sent 1' },
        { id: '2', status: 'failed', outcome: UNSUPPORTED },
      ]),
    );
  });

  it("records a redriver's failure on each of its letters", async () => {
    consume = new FakeRedriver(() => Promise.reject(new Error('Kafka is away')));
    sut = new DeadLetterService(
      repository as unknown as DeadLetterRepository,
      consume,
      new IngestRedriveUnsupported(),
    );
    repository.rows = [
      aStoredLetter('1', { stage: 'consume' }),
      aStoredLetter('3', { stage: 'consume' }),
    ];
    const answer = await sut.redrive(['1', '3'], { requestId: 'r' });
    expect(answer.results.map((r) => [r.status, r.outcome])).toEqual([
      ['failed', 'Kafka is away'],
      ['failed', 'Kafka is away'],
    ]);
    expect(repository.recorded[0]).toHaveLength(2);
  });

  it('fails a letter of no known stage without asking any redriver', async () => {
    repository.rows = [aStoredLetter('4', { stage: null })];
    expect((await sut.redrive(['4'], { requestId: 'r' })).results).toEqual([
      { id: '4', status: 'failed', outcome: 'no redriver for stage "unknown"' },
    ]);
    expect(consume.seen).toEqual([]);
  });
});
