import { QueryFailedError } from 'typeorm';
import {
  DatabaseUnavailableException,
  isDatabaseUnavailable,
} from './database-unavailable.exception';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe(isDatabaseUnavailable.name, () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['an unknown host', withCode('getaddrinfo ENOTFOUND db', 'ENOTFOUND')],
    [
      'a server shutting down (57P01)',
      withCode('terminating connection due to administrator command', '57P01'),
    ],
    ['a server starting up (57P03)', withCode('the database system is starting up', '57P03')],
    ['too many connections (53300)', withCode('sorry, too many clients already', '53300')],
    ['a connection exception (08006)', withCode('connection failure', '08006')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    [
      'every address refused',
      new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''),
    ],
    [
      'a failed query TypeORM wrapped',
      new QueryFailedError(
        'SELECT 1',
        [],
        withCode('terminating connection due to administrator command', '57P01'),
      ),
    ],
  ])('is true for %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a syntax error', withCode('syntax error at or near "x"', '42601')],
    ['bad data', withCode('invalid byte sequence for encoding "UTF8": 0x00', '22021')],
    ['a bug of ours', new TypeError("Cannot read properties of undefined (reading 'seq')")],
    ['not an error', 'ECONNREFUSED'],
  ])('is false for %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('is a 503 that says when to retry and names no address', () => {
    const sut = new DatabaseUnavailableException('connect ECONNREFUSED 10.0.0.8:5432');

    expect([sut.getStatus(), sut.retryAfterSeconds, sut.message]).toEqual([
      503,
      5,
      'the database is unavailable; retry later',
    ]);
  });
});
