import { ApiClient } from './api.client';
import { completeness, CompletenessReport, reportLines } from './completeness.command';
import { letterLine, listDeadLetters, redriveDeadLetters } from './dead-letters.command';
import { ReplayJob, startReplay } from './replay.command';

/** an ApiClient answering from a script of responses, recording the calls */
function fakeApi(answers: Record<string, unknown[]>) {
  const calls: unknown[][] = [];
  const next = (key: string): Promise<unknown> => {
    const queue = answers[key];
    if (!queue || queue.length === 0) throw new Error(`nothing scripted for ${key}`);
    return Promise.resolve(queue.length > 1 ? queue.shift() : queue[0]);
  };
  const api = {
    get: (path: string, query?: unknown) => {
      calls.push(['GET', path, query]);
      return next(`GET ${path}`);
    },
    post: (path: string, body?: unknown) => {
      calls.push(['POST', path, body]);
      return next(`POST ${path}`);
    },
  };
  return { calls, api: api as unknown as ApiClient };
}

const printed = () => {
  const lines: string[] = [];
  return { lines, print: (line: string) => lines.push(line) };
};

const aLetter = {
  id: '17',
  stage: 'ingest',
  source: 'mobway',
  reasons: ['latitude must not be greater than 90', 'speed must be a number'],
  reasonClass: 'out_of_range',
  entityId: '9BWZZZ377VT004251',
  requestId: 'r-1',
  recordTopic: null,
  occurredAt: '2025-03-01T13:00:00.000Z',
  receivedAt: '2025-03-01T13:00:00.100Z',
  kafka: { partition: 0, offset: '4' },
  redrive: null,
};

describe('ops dead-letters', () => {
  it('lists one line per letter with its filters passed by their API names, and how to go on', async () => {
    const { calls, api } = fakeApi({
      'GET /v1/dead-letters': [{ items: [aLetter], nextCursor: 'abc' }],
    });
    const out = printed();
    expect(
      await listDeadLetters(
        api,
        { source: 'mobway', reasonClass: 'out_of_range', status: 'none' },
        false,
        out.print,
      ),
    ).toBe(0);
    expect(calls[0][2]).toMatchObject({
      source: 'mobway',
      reason_class: 'out_of_range',
      redrive_status: 'none',
    });
    expect(out.lines[1]).toBe(letterLine(aLetter));
    expect(out.lines[1]).toContain('latitude must not be greater than 90 (+1 more)');
    expect(out.lines.at(-1)).toBe('more: add --cursor abc');
  });

  it('re-drives and fails when any letter was not re-driven', async () => {
    const { calls, api } = fakeApi({
      'POST /v1/dead-letters/redrive': [
        {
          results: [
            { id: '17', status: 'done', outcome: 'replayed request r-1: 1 accepted' },
            { id: '99', status: 'not_found', outcome: 'no such letter' },
          ],
        },
      ],
    });
    const out = printed();
    expect(await redriveDeadLetters(api, ['17', '99'], out.print)).toBe(1);
    expect(calls).toEqual([['POST', '/v1/dead-letters/redrive', { ids: ['17', '99'] }]]);
    expect(out.lines.at(-1)).toBe('1 re-driven, 1 not');
  });
});

describe('ops replay', () => {
  const job = (status: ReplayJob['status'], fraction: number, records: number): ReplayJob => ({
    id: '6f0c…',
    source: 'mobway',
    from: '2025-03-01T00:00:00.000Z',
    to: '2025-03-02T00:00:00.000Z',
    dryRun: false,
    status,
    progress: { fraction, partitions: [] },
    summary: {
      requestsScanned: records,
      requestsMatched: records,
      readings: records,
      records,
      deadLetters: 0,
      errors: 0,
      durationMs: 1500,
    },
    createdAt: '2025-03-03T00:00:00.000Z',
    updatedAt: '2025-03-03T00:00:00.000Z',
  });

  it('starts a replay and watches it to its summary', async () => {
    const { calls, api } = fakeApi({
      'POST /v1/replays': [job('queued', 0, 0)],
      'GET /v1/replays/6f0c%E2%80%A6': [
        job('running', 0.5, 3),
        job('running', 0.5, 3),
        job('done', 1, 7),
      ],
    });
    const out = printed();
    const code = await startReplay(
      api,
      { source: 'mobway', from: '2025-03-01T00:00:00Z', to: '2025-03-02T00:00:00Z' },
      out.print,
      1,
    );
    expect(code).toBe(0);
    expect(calls[0]).toEqual([
      'POST',
      '/v1/replays',
      { source: 'mobway', from: '2025-03-01T00:00:00Z', to: '2025-03-02T00:00:00Z', dryRun: false },
    ]);
    // an unchanged poll prints nothing
    expect(out.lines.filter((l) => l.includes('running 50.0%'))).toHaveLength(1);
    expect(out.lines).toContain('  records           7');
  });

  it('exits 1 when the replay failed', async () => {
    const failed = { ...job('failed', 0.2, 1), error: 'broker gone' };
    const { api } = fakeApi({
      'POST /v1/replays': [job('queued', 0, 0)],
      'GET /v1/replays/6f0c%E2%80%A6': [failed],
    });
    const out = printed();
    expect(await startReplay(api, { source: 's', from: 'a', to: 'b' }, out.print, 1)).toBe(1);
    expect(out.lines.at(-1)).toBe('  error             broker gone');
  });
});

describe('ops completeness', () => {
  const counts = {
    received: 3,
    requests: 2,
    readings: 5,
    accepted: 4,
    deadLettered: 1,
    untallied: 0,
    published: 4,
    stored: 3,
    missing: 1,
  };
  const report: CompletenessReport = {
    recordType: 'vehicle',
    from: '2025-03-01T13:00:00.000Z',
    to: '2025-03-01T15:00:00.000Z',
    bucketSeconds: 3600,
    delaySeconds: 300,
    asOf: '2025-03-01T16:00:00.000Z',
    buckets: [
      {
        ...counts,
        source: 'mobway',
        from: '2025-03-01T13:00:00.000Z',
        to: '2025-03-01T14:00:00.000Z',
        settled: true,
        expired: false,
        flagged: true,
      },
    ],
    totals: counts,
    flagged: 1,
  };

  it('prints a row per bucket, flagged ones marked, and the totals', () => {
    const lines = reportLines(report);
    expect(lines[2]).toMatch(
      /^! 2025-03-01T13:00:00.000Z\s+mobway\s+3\s+2\s+5\s+4\s+1\s+4\s+3\s+1$/,
    );
    expect(lines[3]).toMatch(/^ {2}total/);
    expect(lines.at(-1)).toContain('1 bucket(s) flagged');
  });

  it('asks each consumer app and exits 1 when anything is flagged', async () => {
    const vehicle = fakeApi({ 'GET /v1/completeness': [report] });
    const location = fakeApi({
      'GET /v1/completeness': [{ ...report, recordType: 'location', buckets: [], flagged: 0 }],
    });
    const out = printed();
    expect(
      await completeness(
        [
          { recordType: 'vehicle', api: vehicle.api },
          { recordType: 'location', api: location.api },
        ],
        { source: 'mobway' },
        false,
        out.print,
      ),
    ).toBe(1);
    expect(vehicle.calls).toEqual([['GET', '/v1/completeness', { source: 'mobway' }]]);
    expect(out.lines.filter((l) => l.startsWith('location:'))).toHaveLength(1);
  });
});
