import { NormalizeOutcome, Rejection } from './normalizer';

/** What became of one input reading. */
export type ReadingResult<R> = { record: R } | { rejection: Rejection };

// an entity id longer than any valid VIN or device id is sender garbage: not worth a dead-letter key
const MAX_ENTITY_ID = 128;

export function rejection(
  reasons: string[],
  original: unknown,
  entityId?: string,
): { rejection: Rejection } {
  return {
    rejection:
      entityId && entityId.length <= MAX_ENTITY_ID
        ? { reasons, original, entityId }
        : { reasons, original },
  };
}

export function emptyOutcome<R>(): NormalizeOutcome<R> {
  return { records: [], rejected: [] };
}

/** Adds the result of one reading; a bug that throws costs that reading, never the request. Past maxReadings it only counts. */
export function settle<R>(
  outcome: NormalizeOutcome<R>,
  original: unknown,
  normalizeOne: () => ReadingResult<R>,
  maxReadings = Infinity,
): void {
  if (outcome.records.length + outcome.rejected.length >= maxReadings) {
    outcome.skipped = (outcome.skipped ?? 0) + 1;
    return;
  }
  let result: ReadingResult<R>;
  try {
    result = normalizeOne();
  } catch (error) {
    result = rejection(
      [
        `reading could not be normalized: ${error instanceof Error ? error.message : 'unknown error'}`,
      ],
      original,
    );
  }
  if ('record' in result) outcome.records.push(result.record);
  else outcome.rejected.push(result.rejection);
}
