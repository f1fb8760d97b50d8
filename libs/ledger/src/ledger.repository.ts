import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { onPooledClient, poolOf } from '@app/persistence/pooled-client';
import { LEDGER_OFFSETS, LedgerBinding, minuteOf } from './ledger.tables';
import { RawRequestEntry } from './raw-request.entry';

/** the counts of one source and span of receipt time */
export interface LedgerCounts {
  /** raw-archive messages: every verified request the gateway archived, retries included */
  received: number;
  /** distinct requests: a retry (same webhook id, or same body where there is none) counts once */
  requests: number;
  readings: number;
  accepted: number;
  deadLettered: number;
  /** requests archived before the gateway counted readings: their readings are unknown */
  untallied: number;
  /** record messages this app's sink read off the record topic (redelivery counted once; replays and resends each time) */
  published: number;
}

export interface LedgerRow extends LedgerCounts {
  source: string;
  /** Unix ms: the start of the bucket */
  bucket: number;
  /** rows in the record table now, received in the bucket */
  stored: number;
}

/** a record a sink read: where, and what the ledger needs of it */
export interface ConsumedRecord {
  offset: string;
  source: string;
  /** Unix ms */
  receivedAt: number;
}

type Delta = Omit<LedgerCounts, 'published'>;

const COUNT_COLUMNS = {
  received: 'received',
  requests: 'requests',
  readings: 'readings',
  accepted: 'accepted',
  deadLettered: 'dead_lettered',
  untallied: 'untallied',
  published: 'published',
} as const satisfies Record<keyof LedgerCounts, string>;
const STATEMENT_TIMEOUT_MS = 30_000;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * The completeness ledger in PostgreSQL. Every count is added in one transaction with the offset
 * it was counted up to (ledger_offsets, per consumer, topic and partition), under that row's lock:
 * a message at or below the stored offset was counted already and is skipped, so redelivery,
 * a rebalance or a restart never counts a message twice, and a crash before the commit counts
 * nothing.
 */
@Injectable()
export class LedgerRepository {
  /** the Kafka cluster this app counts on, once forgetOtherClusters has checked it: new rows say so */
  private clusterId: string | null = null;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Counts one partition batch of the raw archive (entries of this ledger's record type) up to
   * `next`, the offset after the batch. A request counts once per source and key, in the minute of
   * its earliest receipt: a copy received earlier than the one counted moves the count there.
   */
  countRequests(
    binding: LedgerBinding,
    topic: string,
    partition: number,
    entries: RawRequestEntry[],
    next: bigint,
  ): Promise<boolean> {
    const requests = checked(binding.requests);
    return this.guarded(binding.rawGroup, topic, partition, next, async (client, from) => {
      const fresh = entries.filter((e) => BigInt(e.offset) >= from);
      if (fresh.length === 0) return;
      const deltas = new Map<string, Delta>();
      const add = (source: string, at: number, delta: Partial<Delta>, sign = 1): void => {
        const key = `${source}\n${minuteOf(at)}`;
        const sum = deltas.get(key) ?? emptyDelta();
        for (const [name, value] of Object.entries(delta) as [keyof Delta, number][])
          sum[name] += sign * value;
        deltas.set(key, sum);
      };
      // the earliest copy of each request in the batch stands for it
      const first = new Map<string, RawRequestEntry>();
      for (const entry of fresh) {
        add(entry.source, entry.receivedAt, { received: 1 });
        const id = `${entry.source}\n${entry.key}`;
        const seen = first.get(id);
        if (!seen || entry.receivedAt < seen.receivedAt) first.set(id, entry);
      }
      const candidates = [...first.values()].sort(
        (a, b) => compare(a.source, b.source) || compare(a.key, b.key),
      );
      const inserted = await client.query<{ source: string; request_key: string }>(
        `INSERT INTO ${requests} (source, request_key, received_at, accepted, dead_lettered, tallied) ` +
          `SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int4[], $5::int4[], $6::bool[]) ` +
          `ON CONFLICT (source, request_key) DO NOTHING RETURNING source, request_key`,
        [
          candidates.map((c) => c.source),
          candidates.map((c) => c.key),
          candidates.map((c) => new Date(c.receivedAt).toISOString()),
          candidates.map((c) => c.accepted),
          candidates.map((c) => c.deadLettered),
          candidates.map((c) => c.tallied),
        ],
      );
      const isNew = new Set(inserted.rows.map((r) => `${r.source}\n${r.request_key}`));
      for (const c of candidates)
        if (isNew.has(`${c.source}\n${c.key}`)) add(c.source, c.receivedAt, tallyOf(c));
      const known = candidates.filter((c) => !isNew.has(`${c.source}\n${c.key}`));
      if (known.length > 0) {
        // counted before: only a copy received earlier moves the count (to where the rows' receipt time most likely is)
        const counted = await client.query<{
          source: string;
          request_key: string;
          received_at: Date;
          accepted: number;
          dead_lettered: number;
          tallied: boolean;
        }>(
          `SELECT source, request_key, received_at, accepted, dead_lettered, tallied FROM ${requests} ` +
            `WHERE (source, request_key) IN (SELECT * FROM unnest($1::text[], $2::text[])) ` +
            `ORDER BY source, request_key FOR UPDATE`,
          [known.map((c) => c.source), known.map((c) => c.key)],
        );
        const byId = new Map(counted.rows.map((r) => [`${r.source}\n${r.request_key}`, r]));
        const moved: RawRequestEntry[] = [];
        for (const c of known) {
          const row = byId.get(`${c.source}\n${c.key}`);
          if (!row || row.received_at.getTime() <= c.receivedAt) continue;
          add(
            c.source,
            row.received_at.getTime(),
            tallyOf({
              tallied: row.tallied,
              accepted: row.accepted,
              deadLettered: row.dead_lettered,
            }),
            -1,
          );
          add(c.source, c.receivedAt, tallyOf(c));
          moved.push(c);
        }
        if (moved.length > 0)
          await client.query(
            `UPDATE ${requests} r SET received_at = m.received_at, accepted = m.accepted, dead_lettered = m.dead_lettered, tallied = m.tallied ` +
              `FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int4[], $5::int4[], $6::bool[]) ` +
              `AS m(source, request_key, received_at, accepted, dead_lettered, tallied) ` +
              `WHERE r.source = m.source AND r.request_key = m.request_key`,
            [
              moved.map((c) => c.source),
              moved.map((c) => c.key),
              moved.map((c) => new Date(c.receivedAt).toISOString()),
              moved.map((c) => c.accepted),
              moved.map((c) => c.deadLettered),
              moved.map((c) => c.tallied),
            ],
          );
      }
      await this.addCounts(client, binding, deltas);
    });
  }

  /** counts the records a sink read from one partition up to `next`, the offset after its chunk */
  countPublished(
    binding: LedgerBinding,
    consumer: string,
    topic: string,
    partition: number,
    records: ConsumedRecord[],
    next: bigint,
  ): Promise<boolean> {
    return this.guarded(consumer, topic, partition, next, async (client, from) => {
      const deltas = new Map<string, { published: number }>();
      for (const record of records) {
        if (BigInt(record.offset) < from) continue;
        const key = `${record.source}\n${minuteOf(record.receivedAt)}`;
        const sum = deltas.get(key) ?? { published: 0 };
        sum.published++;
        deltas.set(key, sum);
      }
      await this.addCounts(client, binding, deltas);
    });
  }

  /**
   * The ledger's counts and the stored rows in [from, to), per source and bucket (Unix ms;
   * bucketMs a whole number of minutes; from a multiple of it). Buckets with nothing are left out.
   */
  async report(
    binding: LedgerBinding,
    window: { from: number; to: number; bucketMs: number; source?: string },
  ): Promise<LedgerRow[]> {
    const ledger = checked(binding.ledger);
    const records = checked(binding.records);
    const bySource = window.source === undefined ? '' : ' AND source = $4';
    const values = [
      new Date(window.from).toISOString(),
      new Date(window.to).toISOString(),
      window.bucketMs / 1000,
      ...(window.source === undefined ? [] : [window.source]),
    ];
    const bucket = (column: string) =>
      `(extract(epoch FROM date_bin(make_interval(secs => $3), ${column}, TIMESTAMPTZ 'epoch')) * 1000)::int8`;
    const sums = Object.values(COUNT_COLUMNS)
      .map((c) => `sum(${c})::int8 AS ${c}`)
      .join(', ');
    const [counted, stored] = await Promise.all([
      this.dataSource.query<Record<string, string>[]>(
        `SELECT source, ${bucket('minute')} AS bucket, ${sums} FROM ${ledger} ` +
          `WHERE minute >= $1::timestamptz AND minute < $2::timestamptz${bySource} GROUP BY 1, 2`,
        values,
      ),
      // the BRIN index on received_at narrows each partition to the pages received in the window
      this.dataSource.query<{ source: string; bucket: string; stored: string }[]>(
        `SELECT source, ${bucket('received_at')} AS bucket, count(*)::int8 AS stored FROM ${records} ` +
          `WHERE received_at >= $1::timestamptz AND received_at < $2::timestamptz${bySource} GROUP BY 1, 2`,
        values,
      ),
    ]);
    const rows = new Map<string, LedgerRow>();
    const rowOf = (source: string, bucket: string): LedgerRow => {
      const key = `${source}\n${bucket}`;
      let row = rows.get(key);
      if (!row) {
        row = { source, bucket: Number(bucket), ...emptyDelta(), published: 0, stored: 0 };
        rows.set(key, row);
      }
      return row;
    };
    for (const r of counted) {
      const row = rowOf(r.source, r.bucket);
      for (const [field, column] of Object.entries(COUNT_COLUMNS) as [keyof LedgerCounts, string][])
        row[field] = Number(r[column]);
    }
    for (const r of stored) rowOf(r.source, r.bucket).stored = Number(r.stored);
    return [...rows.values()].sort((a, b) => a.bucket - b.bucket || compare(a.source, b.source));
  }

  /** where the consumer has counted to, per partition of the topic: the offset to resume at */
  async countedOffsets(consumer: string, topic: string): Promise<Map<number, string>> {
    const rows = await this.dataSource.query<{ partition: number; next_offset: string }[]>(
      `SELECT partition, next_offset FROM ${LEDGER_OFFSETS} WHERE consumer = $1 AND topic = $2`,
      [consumer, topic],
    );
    return new Map(rows.map((r) => [Number(r.partition), String(r.next_offset)]));
  }

  /**
   * Forgets what was counted on another Kafka cluster: those rows of `topics` start again at 0, on
   * `clusterId`, and rows counted before the cluster was kept take it. Returns the rows forgotten,
   * as they were. (Not from end offsets: a leader elected a moment ago may report a high
   * watermark a few offsets behind what consumers already read, which would look the same as a
   * shorter, new log.)
   */
  async forgetOtherClusters(
    topics: string[],
    clusterId: string,
  ): Promise<
    { consumer: string; topic: string; partition: number; counted: string; cluster: string }[]
  > {
    return onPooledClient(poolOf(this.dataSource), async (client) => {
      await client.query(`BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
      const { rows } = await client.query<{
        consumer: string;
        topic: string;
        partition: number;
        counted: string;
        cluster: string;
      }>(
        `WITH gone AS (SELECT consumer, topic, partition, next_offset, cluster_id FROM ${LEDGER_OFFSETS} ` +
          `WHERE topic = ANY($1::text[]) AND cluster_id <> $2 FOR UPDATE) ` +
          `UPDATE ${LEDGER_OFFSETS} u SET next_offset = 0, cluster_id = $2, updated_at = now() FROM gone ` +
          `WHERE u.consumer = gone.consumer AND u.topic = gone.topic AND u.partition = gone.partition ` +
          `RETURNING gone.consumer, gone.topic, gone.partition, gone.next_offset::text AS counted, gone.cluster_id AS cluster`,
        [topics, clusterId],
      );
      await client.query(
        `UPDATE ${LEDGER_OFFSETS} SET cluster_id = $2 WHERE topic = ANY($1::text[]) AND cluster_id IS NULL`,
        [topics, clusterId],
      );
      await client.query('COMMIT');
      this.clusterId = clusterId;
      return rows.map((r) => ({ ...r, partition: Number(r.partition) }));
    });
  }

  /** forgets requests received before `before`: a retry after that counts again */
  async pruneRequests(binding: LedgerBinding, before: number): Promise<number> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM ${checked(binding.requests)} WHERE received_at < $1::timestamptz`,
      [new Date(before).toISOString()],
    );
    return affected ?? 0;
  }

  /** adds the deltas to the ledger rows, in key order (two transactions never wait on each other's rows crosswise) */
  private async addCounts(
    client: PoolClient,
    binding: LedgerBinding,
    deltas: Map<string, Partial<LedgerCounts>>,
  ): Promise<void> {
    const entries = [...deltas.entries()]
      .map(([key, delta]) => {
        const [source, minute] = key.split('\n');
        return { source, minute: Number(minute), delta };
      })
      .filter(({ delta }) => Object.values(delta).some((v) => v !== 0))
      .sort((a, b) => compare(a.source, b.source) || a.minute - b.minute);
    if (entries.length === 0) return;
    const fields = Object.keys(COUNT_COLUMNS) as (keyof LedgerCounts)[];
    const columns = fields.map((f) => COUNT_COLUMNS[f]);
    const ledger = checked(binding.ledger);
    await client.query(
      `INSERT INTO ${ledger} AS l (source, minute, ${columns.join(', ')}) ` +
        `SELECT * FROM unnest($1::text[], $2::timestamptz[], ${columns.map((_, i) => `$${i + 3}::int8[]`).join(', ')}) ` +
        `ON CONFLICT (source, minute) DO UPDATE SET ${columns.map((c) => `${c} = l.${c} + EXCLUDED.${c}`).join(', ')}`,
      [
        entries.map((e) => e.source),
        entries.map((e) => new Date(e.minute).toISOString()),
        ...fields.map((f) => entries.map((e) => e.delta[f] ?? 0)),
      ],
    );
  }

  /**
   * Runs the counting in a transaction holding the consumer's offset row for the partition; the
   * work is given the offset counted up to (messages before it are counted already) and the row
   * moves to `next`. False when everything up to `next` was counted already.
   */
  private guarded(
    consumer: string,
    topic: string,
    partition: number,
    next: bigint,
    work: (client: PoolClient, from: bigint) => Promise<void>,
  ): Promise<boolean> {
    return onPooledClient(poolOf(this.dataSource), async (client) => {
      const key = [consumer, topic, partition];
      await client.query(`BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
      await client.query(
        `INSERT INTO ${LEDGER_OFFSETS} (consumer, topic, partition, next_offset, cluster_id) VALUES ($1, $2, $3, 0, $4) ON CONFLICT DO NOTHING`,
        [...key, this.clusterId],
      );
      const { rows } = await client.query<{ next_offset: string }>(
        `SELECT next_offset FROM ${LEDGER_OFFSETS} WHERE consumer = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
        key,
      );
      const from = BigInt(rows[0].next_offset);
      if (next <= from) {
        await client.query('ROLLBACK');
        return false;
      }
      await work(client, from);
      await client.query(
        `UPDATE ${LEDGER_OFFSETS} SET next_offset = $4, updated_at = now() WHERE consumer = $1 AND topic = $2 AND partition = $3`,
        [...key, next.toString()],
      );
      await client.query('COMMIT');
      return true;
    });
  }
}

function emptyDelta(): Delta {
  return { received: 0, requests: 0, readings: 0, accepted: 0, deadLettered: 0, untallied: 0 };
}

/** what one counted request adds to its minute */
function tallyOf(
  request: Pick<RawRequestEntry, 'tallied' | 'accepted' | 'deadLettered'>,
): Partial<Delta> {
  return request.tallied
    ? {
        requests: 1,
        readings: request.accepted + request.deadLettered,
        accepted: request.accepted,
        deadLettered: request.deadLettered,
      }
    : { requests: 1, untallied: 1 };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checked(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return name;
}
