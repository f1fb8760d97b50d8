import { BadRequestException, Type, ValidationPipe } from '@nestjs/common';
import { encodeEntityCursor, encodeRangeCursor } from '../record-cursor';
import { QUERY_VALIDATION } from '../query-api.decorator';
import { ChangesQueryDto } from './changes-query.dto';
import { EntityListQueryDto } from './entity-list-query.dto';
import { GapsQueryDto } from './gaps-query.dto';
import { RangeQueryDto } from './range-query.dto';

const pipe = new ValidationPipe(QUERY_VALIDATION);

/** what the route handler would get for this query string, or the 400's messages */
async function validate<T>(
  metatype: Type<T>,
  query: Record<string, unknown>,
): Promise<T | string[]> {
  try {
    return (await pipe.transform(query, { type: 'query', metatype })) as T;
  } catch (error) {
    if (error instanceof BadRequestException)
      return (error.getResponse() as { message: string[] }).message;
    throw error;
  }
}

const CURSOR = encodeRangeCursor({
  recordedAt: '2025-03-01T10:00:00.000000Z',
  eventId: '0b6f2a8e-5d1c-5a3e-9f7b-2c4d6e8f0a1b',
});

describe(RangeQueryDto.name, () => {
  it('defaults limit to 500 and converts query text', async () => {
    expect(await validate(RangeQueryDto, {})).toEqual({ limit: 500 });
    expect(
      await validate(RangeQueryDto, {
        from: '2025-03-01T00:00:00Z',
        to: '2025-03-01T00:00:00-03:00',
        limit: '5000',
        cursor: CURSOR,
      }),
    ).toEqual({
      from: '2025-03-01T00:00:00Z',
      to: '2025-03-01T00:00:00-03:00',
      limit: 5000,
      cursor: CURSOR,
    });
  });

  it('reads an offset whose + the query string turned into a space', async () => {
    expect(await validate(RangeQueryDto, { from: '2025-03-01T00:00:00 03:00' })).toEqual({
      from: '2025-03-01T00:00:00+03:00',
      limit: 500,
    });
  });

  it('takes equal from and to (an empty range) and fractions to the microsecond', async () => {
    expect(
      await validate(RangeQueryDto, {
        from: '2025-03-01T00:00:00.123456Z',
        to: '2025-03-01T00:00:00.123456Z',
      }),
    ).toMatchObject({ limit: 500 });
  });

  it.each([
    [{ limit: '0' }, 'limit must not be less than 1'],
    [{ limit: '5001' }, 'limit must not be greater than 5000'],
    [{ limit: 'ten' }, 'limit must be an integer number'],
    [{ limit: '1.5' }, 'limit must be an integer number'],
    [{ limit: ['1', '2'] }, 'limit must be an integer number'],
    [{ from: '2025-03-02T00:00:00Z', to: '2025-03-01T00:00:00Z' }, 'from must not be after to'],
    [
      { from: '2025-03-01T00:00:00-03:00', to: '2025-03-01T02:59:59Z' },
      'from must not be after to',
    ],
    [
      { from: '2025-03-01' },
      'from must be an ISO-8601 timestamp with a time zone, e.g. 2025-03-01T13:00:00Z',
    ],
    [
      { from: '2025-03-01T00:00:00' },
      'from must be an ISO-8601 timestamp with a time zone, e.g. 2025-03-01T13:00:00Z',
    ],
    [
      { to: '2025-02-30T00:00:00Z' },
      'to must be an ISO-8601 timestamp with a time zone, e.g. 2025-03-01T13:00:00Z',
    ],
    [
      { to: 'yesterday' },
      'to must be an ISO-8601 timestamp with a time zone, e.g. 2025-03-01T13:00:00Z',
    ],
    [
      { from: '0000-01-01T00:00:00Z' },
      'from must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z',
    ],
    [
      { from: '0001-01-01T00:00:00+00:01' },
      'from must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z',
    ],
    [
      { to: '9999-12-31T23:59:59-00:01' },
      'to must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z',
    ],
    [
      { from: '2025-03-01T00:00:00+23:59' },
      'from must have a time zone offset between -15:59 and +15:59',
    ],
    [
      { to: '2025-03-01T00:00:00-16:00' },
      'to must have a time zone offset between -15:59 and +15:59',
    ],
    [{ cursor: 'garbage' }, 'cursor is malformed'],
    [{ cursor: encodeEntityCursor('x') }, 'cursor is malformed'],
    [{ vin: 'X' }, 'property vin should not exist'],
  ])('%p → 400 %p', async (query, message) => {
    expect(await validate(RangeQueryDto, query)).toEqual([message]);
  });

  it('takes the widest offsets PostgreSQL reads and the edges of its years', async () => {
    expect(
      await validate(RangeQueryDto, {
        from: '0001-01-01T00:00:00Z',
        to: '9999-12-31T23:59:59.999999Z',
      }),
    ).toMatchObject({ limit: 500 });
    expect(
      await validate(RangeQueryDto, {
        from: '2025-03-01T00:00:00-15:59',
        to: '2025-03-03T00:00:00+15:59',
      }),
    ).toMatchObject({ limit: 500 });
  });

  it('says one thing per bad parameter, and names every bad parameter', async () => {
    expect(await validate(RangeQueryDto, { limit: 'abc', to: 'soon', cursor: 'x' })).toEqual([
      'to must be an ISO-8601 timestamp with a time zone, e.g. 2025-03-01T13:00:00Z',
      'limit must be an integer number',
      'cursor is malformed',
    ]);
  });
});

describe(ChangesQueryDto.name, () => {
  it('defaults to the beginning, 500 rows, no waiting', async () => {
    expect(await validate(ChangesQueryDto, {})).toEqual({ after: '0', limit: 500, waitSeconds: 0 });
    expect(
      await validate(ChangesQueryDto, { after: '123', limit: '1', waitSeconds: '30' }),
    ).toEqual({ after: '123', limit: 1, waitSeconds: 30 });
  });

  it.each([
    [{ after: '-1' }, 'after is malformed: use a nextCursor or a seq from this feed'],
    [{ after: 'abc' }, 'after is malformed: use a nextCursor or a seq from this feed'],
    [
      { after: '9223372036854775808' },
      'after is malformed: use a nextCursor or a seq from this feed',
    ],
    [{ waitSeconds: '31' }, 'waitSeconds must not be greater than 30'],
    [{ waitSeconds: '-1' }, 'waitSeconds must not be less than 0'],
    [{ limit: '5001' }, 'limit must not be greater than 5000'],
    [{ waitSeconds: 'abc' }, 'waitSeconds must be an integer number'],
  ])('%p → 400 %p', async (query, message) => {
    expect(await validate(ChangesQueryDto, query)).toEqual([message]);
  });
});

describe(EntityListQueryDto.name, () => {
  it('defaults to 100 and takes a cursor it handed out', async () => {
    expect(await validate(EntityListQueryDto, {})).toEqual({ limit: 100 });
    expect(await validate(EntityListQueryDto, { cursor: encodeEntityCursor('V') })).toEqual({
      limit: 100,
      cursor: encodeEntityCursor('V'),
    });
  });

  it.each([
    [{ limit: '1001' }, 'limit must not be greater than 1000'],
    [{ cursor: CURSOR }, 'cursor is malformed'],
    [{ cursor: encodeEntityCursor('V\u0000') }, 'cursor is malformed'],
  ])('%p → 400 %p', async (query, message) => {
    expect(await validate(EntityListQueryDto, query)).toEqual([message]);
  });
});

describe(GapsQueryDto.name, () => {
  it('defaults the threshold to 5 minutes', async () => {
    expect(await validate(GapsQueryDto, {})).toEqual({ minGapSeconds: 300 });
  });

  it.each([
    [{ minGapSeconds: '0' }, 'minGapSeconds must not be less than 1'],
    [{ minGapSeconds: 'x' }, 'minGapSeconds must be an integer number'],
    [
      { from: '2025-03-01T00:00:00+23:59' },
      'from must have a time zone offset between -15:59 and +15:59',
    ],
    [{ from: '2025-03-02T00:00:00Z', to: '2025-03-01T00:00:00Z' }, 'from must not be after to'],
  ])('%p → 400 %p', async (query, message) => {
    expect(await validate(GapsQueryDto, query)).toEqual([message]);
  });
});
