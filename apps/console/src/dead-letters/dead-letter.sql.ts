import type { DeadLetterPosition } from './dead-letter.cursor';

/** what the list is narrowed to; every value becomes a parameter, never SQL text */
export interface DeadLetterFilter {
  source?: string;
  stage?: string;
  reasonClass?: string;
  /** a substring of any reason, any case */
  q?: string;
  entityId?: string;
  /** `none` for letters never re-driven */
  redriveStatus?: 'none' | 'pending' | 'done' | 'failed';
  /** occurredAt ≥ from, ISO 8601 */
  from?: string;
  /** occurredAt < to */
  to?: string;
  /** the previous page's last item: this page starts below it */
  after?: DeadLetterPosition;
  limit: number;
}

export interface SqlQuery {
  text: string;
  values: unknown[];
}

/** every column but the letter itself, as the list and the detail read them */
export const SUMMARY_COLUMNS = [
  'id',
  'kafka_partition',
  'kafka_offset',
  'schema',
  'stage',
  'source',
  'reasons',
  'reason_class',
  'entity_id',
  'request_id',
  'occurred_at',
  'received_at',
  'redrive_status',
  'redriven_at',
  'redrive_outcome',
  'record_topic',
].join(', ');

/** one page, newest first by (occurred_at, id), one row more than the limit to tell whether more follow */
export function listQuery(filter: DeadLetterFilter): SqlQuery {
  const values: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  if (filter.source !== undefined) where.push(`source = ${param(filter.source)}`);
  if (filter.stage !== undefined) where.push(`stage = ${param(filter.stage)}`);
  if (filter.reasonClass !== undefined) where.push(`reason_class = ${param(filter.reasonClass)}`);
  if (filter.entityId !== undefined) where.push(`entity_id = ${param(filter.entityId)}`);
  if (filter.redriveStatus === 'none') where.push('redrive_status IS NULL');
  else if (filter.redriveStatus !== undefined)
    where.push(`redrive_status = ${param(filter.redriveStatus)}`);
  // strpos, not LIKE: the text is searched as it is, % and _ included
  if (filter.q !== undefined)
    where.push(`strpos(lower(array_to_string(reasons, E'\\n')), lower(${param(filter.q)})) > 0`);
  if (filter.from !== undefined) where.push(`occurred_at >= ${param(filter.from)}::timestamptz`);
  if (filter.to !== undefined) where.push(`occurred_at < ${param(filter.to)}::timestamptz`);
  if (filter.after !== undefined)
    where.push(
      `(occurred_at, id) < (${param(filter.after.occurredAt)}::timestamptz, ${param(filter.after.id)}::bigint)`,
    );
  const limit = param(filter.limit + 1);
  return {
    text:
      `SELECT ${SUMMARY_COLUMNS} FROM dead_letters` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY occurred_at DESC, id DESC LIMIT ${limit}`,
    values,
  };
}
