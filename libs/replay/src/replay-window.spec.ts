import {
  fractionDone,
  initialCheckpoints,
  inWindow,
  isPastWindow,
  openPartitions,
  readingStart,
  windowProblem,
} from './replay-window';

const from = new Date('2026-12-01T10:00:00.000Z');
const to = new Date('2026-12-01T11:00:00.000Z');

describe(windowProblem.name, () => {
  it.each([
    [from, to, undefined],
    [new Date('x'), to, 'from is not a valid time'],
    [from, new Date('x'), 'to is not a valid time'],
    [to, from, 'to must be after from'],
    [from, from, 'to must be after from'],
    [from, new Date('2027-01-01T10:00:00.001Z'), 'the window may span at most 31 days'],
  ])('%s → %s: %s', (a, b, problem) => {
    const sut = windowProblem(a, b, 31);
    if (problem === undefined) expect(sut).toBeUndefined();
    else expect(sut).toContain(problem);
  });

  it('takes exactly the longest window', () => {
    expect(windowProblem(from, new Date(from.getTime() + 31 * 86_400_000), 31)).toBeUndefined();
  });
});

describe('the window in time', () => {
  it('starts reading a slack before the window, never before the epoch', () => {
    expect(readingStart(from, 300_000)).toBe(from.getTime() - 300_000);
    expect(readingStart(new Date(1000), 300_000)).toBe(0);
  });

  it('counts a message as past the window only once stamped a slack after its end', () => {
    expect(isPastWindow(to.getTime() + 299_999, to, 300_000)).toBe(false);
    expect(isPastWindow(to.getTime() + 300_000, to, 300_000)).toBe(true);
  });

  it('holds received-at in [from, to)', () => {
    expect(inWindow(from.getTime(), from, to)).toBe(true);
    expect(inWindow(to.getTime() - 1, from, to)).toBe(true);
    expect(inWindow(to.getTime(), from, to)).toBe(false);
    expect(inWindow(from.getTime() - 1, from, to)).toBe(false);
  });
});

describe(initialCheckpoints.name, () => {
  it('reads each partition from its start offset to its end, and none past its end', () => {
    const sut = initialCheckpoints(
      [
        { partition: 0, offset: '5' },
        { partition: 1, offset: '-1' },
        { partition: 2, offset: '7' },
      ],
      [
        { partition: 0, offset: '9' },
        { partition: 1, offset: '4' },
        { partition: 2, offset: '7' },
        { partition: 3, offset: '3' },
      ],
    );
    expect(sut).toEqual({
      '0': { start: '5', next: '5', end: '9', done: false },
      '1': { start: '4', next: '4', end: '4', done: true },
      '2': { start: '7', next: '7', end: '7', done: true },
      '3': { start: '3', next: '3', end: '3', done: true },
    });
    expect([...openPartitions(sut).keys()]).toEqual([0]);
  });

  it('keeps 64-bit offsets exact', () => {
    const sut = initialCheckpoints(
      [{ partition: 0, offset: '9007199254740993' }],
      [{ partition: 0, offset: '9007199254740995' }],
    );
    expect(openPartitions(sut).get(0)).toMatchObject({ next: '9007199254740993' });
  });
});

describe(fractionDone.name, () => {
  it('weighs partitions by the offsets they hold to read', () => {
    expect(
      fractionDone({
        '0': { start: '0', next: '5', end: '10', done: false },
        '1': { start: '10', next: '12', end: '40', done: true },
        '2': { start: '3', next: '3', end: '3', done: true },
      }),
    ).toBe(0.875);
    expect(fractionDone({})).toBe(1);
  });
});
