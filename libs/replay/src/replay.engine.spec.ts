import { TOPICS } from '@app/contracts';
import type { OutgoingMessage } from '@app/kafka/messages';
import { NORMALIZERS, RecordNormalizer } from '@app/normalization';
import type { RawArchive } from './raw-archive';
import { ReplayEngine } from './replay.engine';
import { aRawMessage, FakeArchive, FakeSink } from './replay.testing';
import type { ReplayProgress, ReplaySpec } from './replay.types';
import { SourceNormalizers } from './source-normalizers';

const SLACK = 60_000;
const T0 = Date.parse('2026-12-01T10:00:00.000Z');

/** a mobway body of one reading per vehicle; `valid: false` gives one the sensor range rejects */
function mobwayBody(vins: string[], valid = true): Buffer {
  const body: Record<string, unknown[]> = {};
  for (const vin of vins)
    body[vin] = [
      {
        vin,
        date_time: '2026-12-01 06:59:00',
        latitude: valid ? -23.5 : 123,
        longitude: -46.6,
        speed: 50,
      },
    ];
  return Buffer.from(JSON.stringify(body));
}

const sources = new SourceNormalizers([
  { name: 'mobway', normalizer: 'mobway' },
  { name: 'weguard', normalizer: 'weguard' },
]);

function spec(overrides: Partial<ReplaySpec> = {}): ReplaySpec {
  return {
    source: 'mobway',
    from: new Date(T0),
    to: new Date(T0 + 3_600_000),
    dryRun: false,
    ...overrides,
  };
}

function eventIds(messages: OutgoingMessage[]): string[] {
  return messages
    .filter((m) => m.topic === TOPICS.vehicle)
    .map((m) => String(m.message.headers?.['event-id']));
}

describe(ReplayEngine.name, () => {
  const inside = T0 + 60_000;
  let sink: FakeSink;
  const checkpoints: ReplayProgress[] = [];
  const keep = (progress: ReplayProgress) => {
    checkpoints.push(structuredClone(progress));
    return Promise.resolve('continue' as const);
  };

  beforeEach(() => {
    sink = new FakeSink();
    checkpoints.length = 0;
  });

  function build(archive: RawArchive, normalizers = sources): ReplayEngine {
    return new ReplayEngine(archive, normalizers, sink, {
      slackMs: SLACK,
      maxMessageBytes: 1_000_000,
    });
  }

  it("replays the source's requests received in the window, with the gateway's event ids", async () => {
    const wanted = mobwayBody(['9BWZZZ377VT004251', '9BWZZZ377VT004252']);
    const archive = new FakeArchive([
      [
        aRawMessage(0, 'mobway', T0 - 30 * 60_000, mobwayBody(['9BWZZZ377VT000001'])), // before the slack
        aRawMessage(1, 'mobway', T0 - 1, mobwayBody(['9BWZZZ377VT000002'])), // in the slack, before the window
        aRawMessage(2, 'mobway', inside, wanted),
        aRawMessage(3, 'weguard', inside, Buffer.from('{}')), // another source
        aRawMessage(4, 'mobway', T0 + 3_600_000, mobwayBody(['9BWZZZ377VT000003'])), // at `to`: outside
        aRawMessage(5, 'mobway', T0 + 3_600_000 + SLACK, mobwayBody(['9BWZZZ377VT000004'])), // past the slack: stop
        aRawMessage(6, 'mobway', inside, mobwayBody(['9BWZZZ377VT000005'])), // never read
      ],
    ]);
    const { progress, cancelled } = await build(archive).run('r1', spec(), undefined, keep);

    expect(cancelled).toBe(false);
    const original = NORMALIZERS.mobway.normalize(JSON.parse(wanted.toString()), {
      source: 'mobway',
      receivedAt: new Date(inside),
    });
    expect(eventIds(sink.published)).toEqual(original.records.map((r) => r.eventId));
    expect(sink.published.map((m) => m.message.value)).toEqual(
      original.records.map((r) => JSON.stringify(r)),
    );
    expect(progress.counters).toMatchObject({
      requestsScanned: 4,
      requestsMatched: 1,
      readings: 2,
      records: 2,
      deadLetters: 0,
      errors: 0,
    });
    expect(progress.checkpoints['0']).toEqual({ start: '1', next: '5', end: '7', done: true });
    // the last checkpoint is what a restart reads
    expect(checkpoints.at(-1)).toEqual(progress);
  });

  it('writes dead letters marked with the replay id', async () => {
    const archive = new FakeArchive([
      [
        aRawMessage(0, 'mobway', inside, mobwayBody(['9BWZZZ377VT004251'], false)),
        aRawMessage(1, 'mobway', inside, Buffer.from('{not json')),
      ],
    ]);
    const { progress } = await build(archive).run('r2', spec(), undefined, keep);
    expect(progress.counters).toMatchObject({ requestsMatched: 2, records: 0, deadLetters: 2 });
    expect(sink.published.map((m) => m.topic)).toEqual([TOPICS.deadLetter, TOPICS.deadLetter]);
    for (const { message } of sink.published) {
      expect(String(message.headers?.['replay-id'])).toBe('r2');
      const letter = JSON.parse(String(message.value)) as { reasons: string[]; occurredAt: string };
      expect(letter.reasons.every((r) => r.startsWith('replay r2: '))).toBe(true);
      expect(letter.occurredAt).toBe(new Date(inside).toISOString());
    }
  });

  it('counts in a dry run and publishes nothing', async () => {
    const archive = new FakeArchive([
      [
        aRawMessage(0, 'mobway', inside, mobwayBody(['9BWZZZ377VT004251', '9BWZZZ377VT004252'])),
        aRawMessage(1, 'mobway', inside, mobwayBody(['9BWZZZ377VT004253'], false)),
      ],
      [aRawMessage(0, 'mobway', inside, mobwayBody(['9BWZZZ377VT004254']))],
    ]);
    const { progress } = await build(archive).run('r3', spec({ dryRun: true }), undefined, keep);
    expect(sink.published).toEqual([]);
    expect(progress.counters).toMatchObject({
      requestsScanned: 3,
      requestsMatched: 3,
      readings: 4,
      records: 3,
      deadLetters: 1,
    });
  });

  it('counts a request of the source without a usable received-at or normalizer as an error', async () => {
    const broken = aRawMessage(0, 'mobway', inside, mobwayBody(['9BWZZZ377VT004251']));
    broken.headers = { ...broken.headers, 'received-at': Buffer.from('yesterday') };
    const archive = new FakeArchive([[broken]]);
    const none = new SourceNormalizers([{ name: 'mobway', normalizer: 'mobway' }], {});
    const first = await build(archive).run('r4', spec(), undefined, keep);
    expect(first.progress.counters).toMatchObject({ errors: 1, requestsMatched: 0 });
    const second = await build(
      new FakeArchive([[aRawMessage(0, 'mobway', inside, mobwayBody(['9BWZZZ377VT004251']))]]),
      none,
    ).run('r5', spec(), undefined, keep);
    expect(second.progress.counters).toMatchObject({ errors: 1, requestsMatched: 1, records: 0 });
  });

  it('resumes from its checkpoint: nothing before it is read or published again', async () => {
    const partitions = [
      Array.from({ length: 6 }, (_, i) =>
        aRawMessage(i, 'mobway', inside + i, mobwayBody([`9BWZZZ377VT00010${i}`])),
      ),
    ];
    sink.failAfter = 4; // the third batch of two fails
    const first = await build(new FakeArchive(partitions))
      .run('r6', spec(), undefined, keep)
      .catch((error: Error) => error);
    expect(first).toBeInstanceOf(Error);
    const saved = checkpoints.at(-1)!;
    expect(saved.checkpoints['0']).toMatchObject({ next: '4', done: false });
    expect(saved.counters.records).toBe(4);

    const archive = new FakeArchive(partitions);
    sink.failAfter = Infinity;
    const { progress } = await build(archive).run('r6', spec(), saved, keep);
    expect(archive.reads).toEqual([{ partition: 0, offsets: ['4', '5'] }]);
    const ids = eventIds(sink.published);
    expect(new Set(ids).size).toBe(6);
    expect(progress.counters).toMatchObject({ requestsMatched: 6, records: 6 });
    expect(progress.checkpoints['0']).toMatchObject({ next: '6', done: true });
  });

  it('stops at the checkpoint where it is cancelled', async () => {
    const archive = new FakeArchive([
      Array.from({ length: 6 }, (_, i) =>
        aRawMessage(i, 'mobway', inside, mobwayBody([`9BWZZZ377VT00020${i}`])),
      ),
    ]);
    let batches = 0;
    const { cancelled, progress } = await build(archive).run('r7', spec(), undefined, () =>
      Promise.resolve(++batches > 2 ? 'cancel' : 'continue'),
    );
    expect(cancelled).toBe(true);
    expect(progress.checkpoints['0'].next).toBe('4');
    expect(archive.reads).toHaveLength(2);
  });
});

describe(SourceNormalizers.name, () => {
  const fixed = { normalize: jest.fn() } as unknown as RecordNormalizer;
  const sut = new SourceNormalizers([{ name: 'acme', normalizer: 'mobway' }], {
    mobway: NORMALIZERS.mobway,
    traccar: fixed,
  });

  it('reads with the normalizer the archive names, else the configured one', () => {
    expect(sut.for({ source: 'acme', normalizer: 'traccar' })).toBe(fixed);
    expect(sut.for({ source: 'acme' })).toBe(NORMALIZERS.mobway);
    expect(sut.for({ source: 'acme', normalizer: 'gone' })).toBe(NORMALIZERS.mobway);
    expect(sut.for({ source: 'other' })).toBeUndefined();
    expect(sut.has('acme')).toBe(true);
    expect(sut.has('other')).toBe(false);
  });
});
