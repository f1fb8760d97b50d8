/** optional: counts what a sink read, for the completeness ledger (libs/ledger provides it) */
export const RECORD_TALLY = Symbol('RECORD_TALLY');

/** where a chunk was read */
export interface TalliedChunk {
  groupId: string;
  topic: string;
  partition: number;
  /** the offset of the chunk's last message */
  last: string;
}

/**
 * Counts the records of a stored chunk, each at most once however often it is delivered (the
 * implementation keeps its own offsets). Rejects while it cannot count: the sink then retries the
 * chunk and does not commit it.
 */
export interface RecordTally {
  consumed(chunk: TalliedChunk, records: { offset: string; record: unknown }[]): Promise<void>;
}
