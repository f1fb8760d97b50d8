/** what the console says about its API on /docs */
export const CONSOLE_API_DESCRIPTION = [
  "The operator's side of the pipeline. Every route needs `Authorization: Bearer <key>` with a key from QUERY_API_KEYS.",
  '',
  '- **Dead letters**: every letter on `telemetry.deadletter.v1`, kept for DEAD_LETTER_RETENTION_DAYS; list them by source, stage, reason class, reason text and time (newest first, paged with an opaque `nextCursor`), inspect one with its original, and re-drive a selection: a consume-stage letter re-publishes its record, an ingest-stage letter replays its request from the raw archive. The outcome is recorded on the letter.',
  '- **Replays**: `POST /v1/replays` re-reads the raw archive (`webhooks.raw.v1`) for one source and a window of receipt time, normalizes each request with today’s normalizer and publishes its records (same event ids: stored once) and dead letters (marked with the replay id); `dryRun` only counts. The job runs in the background and is checkpointed per partition: `GET /v1/replays/{id}` shows its progress and summary, and a job interrupted by a restart resumes from its checkpoint when the console starts again.',
].join('\n');
