import { AttemptRecord, livenessFloor } from './liveness-floor';

describe(livenessFloor.name, () => {
  const attempt = (startedAt: number, endedAt: number, status?: number): AttemptRecord => ({
    sender: 'mobway',
    startedAt,
    endedAt,
    status,
    label: String(status ?? 'ECONNREFUSED'),
  });
  const windows = [[1000, 2000] as const, [5000, 6000] as const];

  it('excuses non-200s that touch a fault window and counts the rest', () => {
    const sut = livenessFloor(
      [
        attempt(900, 1001, 503),
        attempt(1500, 1600),
        attempt(1999, 2500, 503),
        attempt(2001, 2100, 200),
        attempt(4000, 4100, 200),
      ],
      windows,
      0,
    );
    expect(sut).toEqual({ outside: 2, failed: 0, examples: [] });
  });

  it('fails every attempt outside the windows that got no 200: a gateway answering 503 to everything', () => {
    const sut = livenessFloor(
      [
        attempt(100, 150, 503),
        attempt(3000, 3010, 503),
        attempt(3000, 3010, 200),
        attempt(7000, 22_000, undefined),
      ],
      windows,
      0,
    );
    expect(sut.outside).toBe(4);
    expect(sut.failed).toBe(3);
    expect(sut.examples[1]).toMatch(
      /attempt at \+3\.0 s got 503 .*1\.0 s after the last window closed/,
    );
  });
});
