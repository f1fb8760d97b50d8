/** what one replay covers: one source's requests received in [from, to) */
export interface ReplaySpec {
  source: string;
  from: Date;
  to: Date;
  /** count only: nothing is published */
  dryRun: boolean;
}

/**
 * Where a replay stands on one partition of the raw archive: `next` is the next offset to read,
 * `end` the end offset captured when the replay started (offsets are decimal strings: 64-bit).
 * `done` once the partition reached `end` or a message past the window.
 */
export interface PartitionCheckpoint {
  /** where the replay started on this partition */
  start: string;
  next: string;
  end: string;
  done: boolean;
}

export type Checkpoints = Record<string, PartitionCheckpoint>;

export interface ReplayCounters {
  /** raw messages read in the replay's offset ranges, of any source */
  requestsScanned: number;
  /** of those, the source's requests received in the window */
  requestsMatched: number;
  /** readings in the matched requests (records + rejected) */
  readings: number;
  /** records published (a dry run: that would be published) */
  records: number;
  /** dead letters published (a dry run: that would be published) */
  deadLetters: number;
  /** raw messages of the source that could not be replayed (no received-at header, no normalizer) */
  errors: number;
  /** time spent running, summed over resumptions */
  durationMs: number;
}

export const ZERO_COUNTERS: Readonly<ReplayCounters> = Object.freeze({
  requestsScanned: 0,
  requestsMatched: 0,
  readings: 0,
  records: 0,
  deadLetters: 0,
  errors: 0,
  durationMs: 0,
});

/** a replay's state after each batch: enough to resume it */
export interface ReplayProgress {
  checkpoints: Checkpoints;
  counters: ReplayCounters;
}
