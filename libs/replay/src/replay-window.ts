import type { Checkpoints, PartitionCheckpoint } from './replay.types';

const DAY_MS = 86_400_000;

/** a window's problem in words, or undefined when [from, to) is a usable window */
export function windowProblem(from: Date, to: Date, maxWindowDays: number): string | undefined {
  if (Number.isNaN(from.getTime())) return 'from is not a valid time';
  if (Number.isNaN(to.getTime())) return 'to is not a valid time';
  if (to.getTime() <= from.getTime()) return 'to must be after from';
  if (to.getTime() - from.getTime() > maxWindowDays * DAY_MS)
    return `the window may span at most ${maxWindowDays} days (REPLAY_MAX_WINDOW_DAYS)`;
  return undefined;
}

/**
 * Kafka timestamps on the raw archive are the gateway's produce times, a little after each
 * request's received-at (linger, retries, another gateway's clock): reading starts `slack` before
 * the window and stops at the first message stamped `slack` after it; the received-at header
 * decides exactly.
 */
export function readingStart(from: Date, slackMs: number): number {
  return Math.max(0, from.getTime() - slackMs);
}

export function isPastWindow(kafkaTimestamp: number, to: Date, slackMs: number): boolean {
  return kafkaTimestamp >= to.getTime() + slackMs;
}

export function inWindow(receivedAt: number, from: Date, to: Date): boolean {
  return receivedAt >= from.getTime() && receivedAt < to.getTime();
}

/**
 * The first checkpoints of a replay: each partition from the first offset stamped at or after the
 * reading start, up to its end offset now (later messages are newer than any window that ends
 * before now). A partition with nothing in that range is done from the start.
 */
export function initialCheckpoints(
  starts: { partition: number; offset: string }[],
  ends: { partition: number; offset: string }[],
): Checkpoints {
  const checkpoints: Checkpoints = {};
  for (const { partition, offset: end } of ends) {
    const start = starts.find((s) => s.partition === partition)?.offset ?? end;
    // a negative answer means no message at or after the time: nothing to read
    const next = BigInt(start) < 0n ? end : start;
    checkpoints[String(partition)] = { start: next, next, end, done: BigInt(next) >= BigInt(end) };
  }
  return checkpoints;
}

/** the partitions still to read, with their ranges */
export function openPartitions(checkpoints: Checkpoints): Map<number, PartitionCheckpoint> {
  const open = new Map<number, PartitionCheckpoint>();
  for (const [partition, checkpoint] of Object.entries(checkpoints))
    if (!checkpoint.done && BigInt(checkpoint.next) < BigInt(checkpoint.end))
      open.set(Number(partition), checkpoint);
  return open;
}

/** the share of the offsets to read that were read, 0 to 1 (1 when there was nothing to read) */
export function fractionDone(checkpoints: Checkpoints): number {
  let total = 0n;
  let read = 0n;
  for (const { start, next, end, done } of Object.values(checkpoints)) {
    const span = BigInt(end) - BigInt(start);
    if (span <= 0n) continue;
    total += span;
    read += done ? span : BigInt(next) - BigInt(start);
  }
  return total === 0n ? 1 : Number((read * 10_000n) / total) / 10_000;
}
