import type { DeadLetterV1 } from '@app/contracts';

/** a stored letter handed to a redriver: its id, the letter as published and where it sat */
export interface RedrivableLetter {
  id: string;
  letter: DeadLetterV1;
  /** where the letter itself sits on telemetry.deadletter.v1 */
  kafka: { partition: number; offset: string };
}

export interface RedriveOutcome {
  /** done: the letter's content was sent on again; failed: not, `outcome` says why */
  status: 'done' | 'failed';
  /** what was done (the topic, partition and offset written) or why not; stored on the letter */
  outcome: string;
}

export interface RedriveContext {
  /** the HTTP request that asked for the re-drive, for logs and the messages it writes */
  requestId: string;
}

/**
 * Sends dead letters of one stage on again. Consume stage: the record is re-published to its topic
 * (RecordRepublisher). Ingest stage: the request is replayed from the raw archive (the replay
 * module provides it under INGEST_REDRIVER). A redriver answers one outcome per letter, in order,
 * and throws only when it could do nothing at all (every letter is then recorded as failed).
 */
export interface DeadLetterRedriver {
  redrive(letters: RedrivableLetter[], context: RedriveContext): Promise<RedriveOutcome[]>;
}

/** the redriver of consume-stage letters */
export const CONSUME_REDRIVER = Symbol('CONSUME_REDRIVER');
/** the redriver of ingest-stage letters */
export const INGEST_REDRIVER = Symbol('INGEST_REDRIVER');

/** what ingest-stage letters get until a replay module provides INGEST_REDRIVER */
export class IngestRedriveUnsupported implements DeadLetterRedriver {
  redrive(letters: RedrivableLetter[]): Promise<RedriveOutcome[]> {
    return Promise.resolve(
      letters.map(() => ({
        status: 'failed' as const,
        outcome:
          'not yet supported: an ingest-stage letter is re-driven by replaying its request from the raw archive (webhooks.raw.v1), which this console cannot do yet',
      })),
    );
  }
}
