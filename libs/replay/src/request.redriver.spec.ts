import type { KafkaMessage } from 'kafkajs';
import { TOPICS } from '@app/contracts';
import { partitionOfKey } from '@app/kafka/murmur2.partitioner';
import { aRawMessage, FakeArchive, FakeSink } from './replay.testing';
import { RequestRedriver } from './request.redriver';
import { SourceNormalizers } from './source-normalizers';

const SLACK = 60_000;
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const PARTITIONS = 3;

function body(vin: string, latitude = -23.5): Buffer {
  return Buffer.from(
    JSON.stringify({
      [vin]: [{ vin, date_time: '2026-12-01 06:59:00', latitude, longitude: -46.6 }],
    }),
  );
}

/** raw messages put where the gateway's partitioner puts their request ids */
function archiveOf(requests: { id: string; at: number; body: Buffer; source?: string }[]) {
  const partitions: KafkaMessage[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const r of requests) {
    const p = partitions[partitionOfKey(r.id, PARTITIONS)];
    p.push(aRawMessage(p.length, r.source ?? 'mobway', r.at, r.body, r.at + 20, r.id));
  }
  return new FakeArchive(partitions);
}

describe(RequestRedriver.name, () => {
  const sources = new SourceNormalizers([{ name: 'mobway', normalizer: 'mobway' }]);
  let sink: FakeSink;
  beforeEach(() => (sink = new FakeSink()));
  const build = (archive: FakeArchive) =>
    new RequestRedriver(archive, sources, sink, { slackMs: SLACK, maxMessageBytes: 1_000_000 });

  it('replays each letter’s request once, found by its request id and received time', async () => {
    const archive = archiveOf([
      { id: 'a', at: T0, body: body('9BWZZZ377VT004251') },
      { id: 'b', at: T0 + 1000, body: body('9BWZZZ377VT004252', 123) },
      { id: 'c', at: T0 + 2000, body: body('9BWZZZ377VT004253') },
    ]);
    const at = (ms: number) => new Date(ms).toISOString();
    const outcomes = await build(archive).redrive(
      [
        { source: 'mobway', requestId: 'a', occurredAt: at(T0) },
        { source: 'mobway', requestId: 'b', occurredAt: at(T0 + 1000) },
        { source: 'mobway', requestId: 'a', occurredAt: at(T0) },
        { source: 'mobway', requestId: 'gone', occurredAt: at(T0) },
        { source: 'nobody', requestId: 'c', occurredAt: at(T0) },
        { source: 'mobway', occurredAt: at(T0) },
      ],
      'redrive-x',
    );
    expect(outcomes.map((o) => o.status)).toEqual([
      'done',
      'done',
      'done',
      'failed',
      'failed',
      'failed',
    ]);
    expect(outcomes[0].outcome).toMatch(
      /^replayed request a from webhooks.raw.v1 partition \d offset 0 as replay redrive-x: 1 record/,
    );
    expect(outcomes[1].outcome).toContain('0 record(s), 1 dead letter(s)');
    expect(outcomes[3].outcome).toContain('not on the raw archive');
    expect(outcomes[4].outcome).toContain('"nobody" is not configured');
    expect(outcomes[5].outcome).toContain('no request id');
    // a once, b once: one record and one dead letter marked as the re-drive's
    expect(sink.published.map((m) => m.topic).sort()).toEqual([TOPICS.deadLetter, TOPICS.vehicle]);
    const letter = sink.published.find((m) => m.topic === TOPICS.deadLetter)!;
    expect(String(letter.message.headers?.['replay-id'])).toBe('redrive-x');
  });

  it('stops reading a partition past the letters’ time and slack', async () => {
    const archive = archiveOf([
      { id: 'late', at: T0 + 10 * SLACK, body: body('9BWZZZ377VT004254') },
    ]);
    const [outcome] = await build(archive).redrive(
      [{ source: 'mobway', requestId: 'late', occurredAt: new Date(T0).toISOString() }],
      'redrive-y',
    );
    expect(outcome.status).toBe('failed');
    expect(sink.published).toEqual([]);
  });
});
