import type { RecordType } from '@app/contracts';

export interface NormalizeContext {
  /** the webhook source, e.g. `mobway`; becomes the record's `source` and part of its event id */
  source: string;
  /** when the gateway received the request; becomes `receivedAt` (UTC) */
  receivedAt: Date;
  /** readings past this many are counted in `skipped`, not normalized: bounded work per request */
  maxReadings?: number;
}

/** One input reading that could not become a record: dead-letter material. */
export interface Rejection {
  reasons: string[];
  /** the rejected reading as received (or the whole payload when its shape was wrong) */
  original: unknown;
  /** VIN or device id, when one could be read */
  entityId?: string;
}

/** Every input reading ends in exactly one of the two lists, in input order within each, or past ctx.maxReadings in `skipped`. */
export interface NormalizeOutcome<R> {
  records: R[];
  rejected: Rejection[];
  /** readings past ctx.maxReadings, counted but not normalized; absent when none */
  skipped?: number;
}

/** Turns one parsed webhook body into contract records. Pure; never throws. */
export interface Normalizer<R> {
  readonly recordType: RecordType;
  normalize(payload: unknown, ctx: NormalizeContext): NormalizeOutcome<R>;
}
