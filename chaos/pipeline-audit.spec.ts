import { audit, Letter, StoredRow } from './pipeline-audit';
import { SentReading } from './sender-simulator';

function reading(overrides: Partial<SentReading> = {}): SentReading {
  const entityId = overrides.entityId ?? 'VIN00000000000001';
  const recordedAt = overrides.recordedAt ?? '2026-01-01T00:00:00.000Z';
  return {
    sender: 'mobway',
    entityId,
    recordedAt,
    eventId: `id-${entityId}-${recordedAt}`,
    valid: true,
    letterKey: `mobway|${entityId}|${recordedAt}`,
    acked: true,
    ...overrides,
  };
}

function rowOf(r: SentReading, overrides: Partial<StoredRow> = {}): StoredRow {
  return {
    table: 'vehicle_telemetry',
    eventId: r.eventId!,
    entityId: r.entityId,
    recordedAt: r.recordedAt,
    ...overrides,
  };
}

function letterFor(r: SentReading, stage = 'ingest'): Letter {
  const [, vin, dateTime] = r.letterKey.split('|');
  const letter = { stage, source: r.sender, original: { vin, date_time: dateTime } };
  return { ...letter, raw: JSON.stringify(letter) };
}

describe(audit.name, () => {
  const a = reading({ recordedAt: '2026-01-01T00:00:00.000Z' });
  const b = reading({ recordedAt: '2026-01-01T00:00:01.000Z' });
  const invalid = reading({
    recordedAt: '2026-01-01T00:00:02.000Z',
    valid: false,
    eventId: undefined,
  });

  it('passes when every acknowledged reading is stored once and every invalid one is dead-lettered', () => {
    const sut = audit(
      [a, b, invalid],
      [rowOf(a), rowOf(b)],
      [letterFor(invalid), letterFor(invalid)],
    );
    expect(sut).toMatchObject({
      acked: 2,
      stored: 2,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      deadLettered: { found: 1, ackedInvalid: 1, letters: 2 },
    });
  });

  it('counts an acknowledged reading missing by event id or by entity and time as lost', () => {
    const renamed = rowOf(b, { recordedAt: '2026-01-01T00:00:09.000Z' });
    const sut = audit([a, b], [rowOf(a), renamed], []);
    expect(sut.lost).toBe(1);
    expect(sut.unexpected).toBe(1);
  });

  it('allows an unacknowledged reading to be stored or not, never twice', () => {
    const unacked = { ...b, acked: false };
    expect(audit([a, unacked], [rowOf(a)], [])).toMatchObject({ lost: 0, unackedStored: 0 });
    expect(audit([a, unacked], [rowOf(a), rowOf(unacked)], [])).toMatchObject({
      lost: 0,
      unackedStored: 1,
      duplicated: 0,
    });
    expect(
      audit([a, unacked], [rowOf(a), rowOf(unacked), rowOf(unacked, { eventId: 'other' })], [])
        .duplicated,
    ).toBeGreaterThan(0);
  });

  it('counts rows nobody sent and invalid readings that were stored as unexpected', () => {
    const stranger = reading({ entityId: 'VIN00000000000009' });
    const sut = audit(
      [a, invalid],
      [rowOf(a), rowOf(stranger), { ...rowOf(a), eventId: 'x', recordedAt: invalid.recordedAt }],
      [letterFor(invalid)],
    );
    expect(sut.unexpected).toBe(2);
  });

  it('counts consume-stage and foreign dead letters as unexpected and a missing one as lost', () => {
    const foreign: Letter = {
      stage: 'ingest',
      source: 'mobway',
      original: { vin: 'NOPE', date_time: 'x' },
      raw: '{}',
    };
    const sut = audit([a, invalid], [rowOf(a)], [letterFor(invalid, 'consume'), foreign]);
    expect(sut).toMatchObject({
      unexpected: 2,
      lost: 1,
      deadLettered: { found: 0, ackedInvalid: 1 },
    });
  });
});
