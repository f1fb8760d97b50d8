import { randomUUID } from 'node:crypto';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { TOPICS } from '@app/contracts';
import { readToEnd } from '@app/kafka/read-to-end';
import { SentReading } from './sender-simulator';

export interface StoredRow {
  table: 'vehicle_telemetry' | 'device_location';
  eventId: string;
  entityId: string;
  recordedAt: string;
  /** the partition holding the row */
  partition?: string;
}

export interface Letter {
  stage?: string;
  source?: string | null;
  original?: unknown;
  raw: string;
}

const GROUPS = [
  { groupId: 'vehicle-consumer', topic: TOPICS.vehicle },
  { groupId: 'location-consumer', topic: TOPICS.location },
];

function kafkaClient(brokers: string[]): Kafka {
  return new Kafka({
    clientId: `chaos-audit-${randomUUID()}`,
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 8 },
  });
}

/** messages not yet committed by each consumer group */
async function groupLag(admin: Admin): Promise<Record<string, number>> {
  const lag: Record<string, number> = {};
  for (const { groupId, topic } of GROUPS) {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map(committed.partitions.map((p) => [p.partition, BigInt(p.offset)]));
    let behind = 0n;
    for (const { partition, high, low } of ends) {
      const offset = at.get(partition) ?? -1n;
      // -1: nothing committed yet, so everything from the start is still to be read
      behind += BigInt(high) - (offset < 0n ? BigInt(low) : offset);
    }
    lag[groupId] = Number(behind);
  }
  return lag;
}

async function rowCounts(databaseUrl: string): Promise<Record<string, number>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ vehicle: string; location: string }>(
      'SELECT (SELECT count(*) FROM vehicle_telemetry) AS vehicle, (SELECT count(*) FROM device_location) AS location',
    );
    return { vehicle: Number(rows[0].vehicle), location: Number(rows[0].location) };
  } finally {
    await client.end();
  }
}

/**
 * Polls until both consumer groups have committed everything on their topics and the row counts
 * have stopped changing; resolves with how long it took.
 */
export async function waitForCatchUp(
  brokers: string[],
  databaseUrl: string,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<number> {
  const started = Date.now();
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    let previous = '';
    let steady = 0;
    let lastReport = 0;
    for (;;) {
      let state = '';
      let caughtUp = false;
      try {
        const lag = await groupLag(admin);
        const counts = await rowCounts(databaseUrl);
        state = `lag ${JSON.stringify(lag)} rows ${JSON.stringify(counts)}`;
        caughtUp = Object.values(lag).every((n) => n === 0);
      } catch (error) {
        state = `not readable yet: ${(error as Error).message}`;
      }
      steady = caughtUp && state === previous ? steady + 1 : 0;
      previous = state;
      if (steady >= 2) return Date.now() - started;
      if (Date.now() - lastReport > 10_000) {
        log(`catching up: ${state}`);
        lastReport = Date.now();
      }
      if (Date.now() - started > timeoutMs)
        throw new Error(`the consumers did not catch up within ${timeoutMs / 1000} s: ${state}`);
      await new Promise((r) => setTimeout(r, 1500));
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function readStoredRows(databaseUrl: string): Promise<StoredRow[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const utc = `to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  type Row = { event_id: string; entity: string; recorded_at: string; partition: string };
  try {
    const vehicles = await client.query<Row>(
      `SELECT event_id::text, vin AS entity, ${utc} AS recorded_at, tableoid::regclass::text AS partition FROM vehicle_telemetry`,
    );
    const locations = await client.query<Row>(
      `SELECT event_id::text, device_id AS entity, ${utc} AS recorded_at, tableoid::regclass::text AS partition FROM device_location`,
    );
    const rows = (table: StoredRow['table'], list: Row[]): StoredRow[] =>
      list.map((r) => ({
        table,
        eventId: r.event_id,
        entityId: r.entity,
        recordedAt: r.recorded_at,
        partition: r.partition,
      }));
    return [
      ...rows('vehicle_telemetry', vehicles.rows),
      ...rows('device_location', locations.rows),
    ];
  } finally {
    await client.end();
  }
}

/** every message on the dead-letter topic up to its end as of this call */
export async function readDeadLetters(brokers: string[], timeoutMs = 60_000): Promise<Letter[]> {
  const read = await readToEnd(kafkaClient(brokers), TOPICS.deadLetter, 'chaos-audit', timeoutMs);
  return read.map(({ message }) => parseLetter(message.value));
}

function parseLetter(value: Buffer | null): Letter {
  const raw = value?.toString('utf8') ?? '';
  try {
    const parsed = JSON.parse(raw) as Letter;
    return { stage: parsed.stage, source: parsed.source, original: parsed.original, raw };
  } catch {
    return { raw };
  }
}

/** how a dead letter's original names the reading it came from; undefined when it is none of ours */
function letterKeyOf(letter: Letter): string | undefined {
  const original = letter.original as Record<string, unknown> | undefined;
  if (typeof original !== 'object' || original === null) return undefined;
  if (letter.source === 'mobway')
    return `mobway|${String(original.vin)}|${String(original.date_time)}`;
  if (letter.source === 'weguard')
    return `weguard|${String(original.deviceId)}|${String(original.timestamp)}`;
  return undefined;
}

export interface AuditResult {
  acked: number;
  sentValid: number;
  unackedStored: number;
  stored: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  deadLettered: { found: number; ackedInvalid: number; letters: number };
  /** a few examples of each problem, for the report */
  examples: string[];
}

/**
 * Every acknowledged valid reading stored exactly once (by event id and by entity + recordedAt);
 * no row that was never sent; every acknowledged invalid reading on the dead-letter topic, and
 * nothing else there. Sent-but-unacknowledged readings may or may not be stored, never twice.
 */
export function audit(readings: SentReading[], rows: StoredRow[], letters: Letter[]): AuditResult {
  const examples: string[] = [];
  const note = (line: string): void => void (examples.length < 30 && examples.push(line));
  const entityKey = (entityId: string, recordedAt: string): string => `${entityId}|${recordedAt}`;

  const byId = new Map<string, number>();
  const byEntity = new Map<string, number>();
  for (const row of rows) {
    byId.set(row.eventId, (byId.get(row.eventId) ?? 0) + 1);
    const key = entityKey(row.entityId, row.recordedAt);
    byEntity.set(key, (byEntity.get(key) ?? 0) + 1);
  }

  const valid = readings.filter((r) => r.valid);
  const validIds = new Set(valid.map((r) => r.eventId!));
  const validEntities = new Set(valid.map((r) => entityKey(r.entityId, r.recordedAt)));

  let lost = 0;
  let acked = 0;
  let unackedStored = 0;
  for (const reading of valid) {
    const idCount = byId.get(reading.eventId!) ?? 0;
    const entityCount = byEntity.get(entityKey(reading.entityId, reading.recordedAt)) ?? 0;
    if (!reading.acked) {
      if (idCount > 0) unackedStored++;
      continue;
    }
    acked++;
    if (idCount === 0 || entityCount === 0) {
      lost++;
      note(
        `lost: ${reading.sender} ${reading.entityId} ${reading.recordedAt} event ${reading.eventId} (by id ${idCount}, by entity+time ${entityCount})`,
      );
    }
  }

  let duplicated = 0;
  for (const [id, count] of byId)
    if (count > 1) {
      duplicated += count - 1;
      note(`duplicated event id ${id}: ${count} rows`);
    }
  for (const [key, count] of byEntity)
    if (count > 1) {
      duplicated += count - 1;
      note(`duplicated entity+time ${key}: ${count} rows`);
    }

  let unexpected = 0;
  for (const row of rows) {
    if (!validIds.has(row.eventId) || !validEntities.has(entityKey(row.entityId, row.recordedAt))) {
      unexpected++;
      note(
        `unexpected row in ${row.table}: ${row.entityId} ${row.recordedAt} event ${row.eventId}`,
      );
    }
  }

  const invalid = readings.filter((r) => !r.valid);
  const invalidKeys = new Set(invalid.map((r) => r.letterKey));
  const lettered = new Set<string>();
  for (const letter of letters) {
    const key = letterKeyOf(letter);
    if (letter.stage === 'ingest' && key !== undefined && invalidKeys.has(key)) {
      lettered.add(key);
      continue;
    }
    // a consume-stage letter is a valid record the sink refused; anything else was never meant to be there
    unexpected++;
    note(`unexpected dead letter: ${letter.raw.slice(0, 300)}`);
  }
  const ackedInvalid = invalid.filter((r) => r.acked);
  const found = ackedInvalid.filter((r) => lettered.has(r.letterKey)).length;
  for (const reading of ackedInvalid) {
    if (lettered.has(reading.letterKey)) continue;
    lost++;
    note(`acknowledged invalid reading missing from the dead-letter topic: ${reading.letterKey}`);
  }

  return {
    acked,
    sentValid: valid.length,
    unackedStored,
    stored: rows.length,
    lost,
    duplicated,
    unexpected,
    deadLettered: { found, ackedInvalid: ackedInvalid.length, letters: letters.length },
    examples,
  };
}
