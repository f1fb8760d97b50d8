import type { PoolClient } from 'pg';

interface Connection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

// one CopyData message stays well below PostgreSQL's 1 GB limit and pg's buffers small
const CHUNK_BYTES = 256 * 1024;

/**
 * `COPY … FROM STDIN` of a prepared payload, as a pg "submittable" (the interface pg-copy-streams
 * uses): pg hands us the connection when the query's turn comes and forwards the server's
 * messages. Resolves to the rows copied. The text may hold other statements around the COPY
 * (BEGIN, a lock, COMMIT), and the payload follows it at once rather than when the server asks
 * for it: the server reads it when the COPY starts, so a lock taken before is not held while
 * this process gets round to answering. Should a statement before the COPY fail, the server
 * drops the copy data it then finds (the protocol's rule for copy messages outside a COPY).
 */
export class CopyIn {
  callback?: (error: Error | null, result?: { rowCount: number }) => void;
  private rowCount = 0;

  constructor(
    readonly text: string,
    readonly payload: Buffer,
    /** pg's per-query read timeout, honoured for submittables too */
    readonly query_timeout?: number,
  ) {}

  submit(connection: Connection): void {
    connection.query(this.text);
    for (let at = 0; at < this.payload.length; at += CHUNK_BYTES)
      connection.sendCopyFromChunk(this.payload.subarray(at, at + CHUNK_BYTES));
    connection.endCopyFrom();
  }

  // the payload went with the statement
  handleCopyInResponse(): void {}

  handleCommandComplete(message: { text: string }): void {
    // "COPY <rows>"; the other statements' tags (BEGIN, SELECT 1, COMMIT) are not ours
    if (message.text.startsWith('COPY ')) this.rowCount = Number(message.text.slice(5));
  }

  handleReadyForQuery(): void {
    this.done(null);
  }

  handleError(error: Error): void {
    this.done(error);
  }

  // a COPY FROM returns no rows; pg forwards these anyway
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}

  private done(error: Error | null): void {
    const callback = this.callback;
    // pg reports a read timeout itself and may later deliver the late answer: answer once
    this.callback = undefined;
    callback?.(error, error ? undefined : { rowCount: this.rowCount });
  }
}

/** runs the COPY on the client; resolves to the number of rows copied */
export function copyIn(client: PoolClient, copy: CopyIn): Promise<number> {
  return new Promise((resolve, reject) => {
    copy.callback = (error, result) => (error ? reject(error) : resolve(result!.rowCount));
    client.query(copy as never);
  });
}
