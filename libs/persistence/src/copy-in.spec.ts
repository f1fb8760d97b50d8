import type { PoolClient } from 'pg';
import { CopyIn, copyIn } from './copy-in';

/** the part of pg's client and connection a submittable sees */
function aClient() {
  const sent: { query?: string; chunks: Buffer[]; ended: boolean } = { chunks: [], ended: false };
  const connection = {
    query: (text: string) => void (sent.query = text),
    sendCopyFromChunk: (chunk: Buffer) => void sent.chunks.push(chunk),
    endCopyFrom: () => void (sent.ended = true),
  };
  let active: CopyIn | undefined;
  const client = {
    query: (copy: CopyIn) => void (active = copy).submit(connection),
  } as unknown as PoolClient;
  return { client, sent, active: () => active! };
}

describe(CopyIn.name, () => {
  it('sends the statement and the payload right behind it, and resolves to the rows copied', async () => {
    const { client, sent, active } = aClient();
    const payload = Buffer.alloc(600 * 1024, 'a');

    const copying = copyIn(client, new CopyIn('COPY t (a) FROM STDIN', payload));
    expect(sent.query).toBe('COPY t (a) FROM STDIN');
    expect(sent.ended).toBe(true);
    active().handleCopyInResponse();
    active().handleCommandComplete({ text: 'COPY 3' });
    active().handleReadyForQuery();

    await expect(copying).resolves.toBe(3);
    expect(Buffer.concat(sent.chunks)).toEqual(payload);
    expect(sent.chunks.length).toBeGreaterThan(1);
    expect(sent.ended).toBe(true);
  });

  it("takes the COPY's row count among the tags of the statements sent with it", async () => {
    const { client, active } = aClient();

    const copying = copyIn(
      client,
      new CopyIn(
        'BEGIN; SELECT pg_advisory_xact_lock(1, 2); COPY t (a) FROM STDIN; COMMIT',
        Buffer.from('x\n'),
      ),
    );
    for (const text of ['BEGIN', 'SELECT 1']) active().handleCommandComplete({ text });
    active().handleCopyInResponse();
    for (const text of ['COPY 7', 'COMMIT']) active().handleCommandComplete({ text });
    active().handleReadyForQuery();

    await expect(copying).resolves.toBe(7);
  });

  it('rejects with the server error and answers only once', async () => {
    const { client, active } = aClient();
    const rejected = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
    });

    const copying = copyIn(client, new CopyIn('COPY t (a) FROM STDIN', Buffer.from('x\n')));
    active().handleCopyInResponse();
    active().handleError(rejected);
    active().handleReadyForQuery();

    await expect(copying).rejects.toBe(rejected);
  });
});
