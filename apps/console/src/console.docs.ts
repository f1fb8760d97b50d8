/** what the console says about its API on /docs */
export const CONSOLE_API_DESCRIPTION = [
  "The operator's side of the pipeline. Every route needs `Authorization: Bearer <key>` with a key from QUERY_API_KEYS.",
  '',
  '- **Dead letters**: every letter on `telemetry.deadletter.v1`, kept for DEAD_LETTER_RETENTION_DAYS; list them by source, stage, reason class, reason text and time (newest first, paged with an opaque `nextCursor`), inspect one with its original, and re-drive a selection: a consume-stage letter re-publishes its record, an ingest-stage letter replays its request from the raw archive. The outcome is recorded on the letter.',
].join('\n');
