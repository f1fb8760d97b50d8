import { BadRequestException, Type, ValidationPipe } from '@nestjs/common';
import { QUERY_VALIDATION } from '@app/query';
import { encodeDeadLetterCursor } from './dead-letter.cursor';
import { DeadLetterListQueryDto, RedriveRequestDto } from './dead-letter.dto';

const pipe = new ValidationPipe(QUERY_VALIDATION);

/** what the route handler would get, or the 400's messages */
async function validate<T>(
  metatype: Type<T>,
  input: unknown,
  type: 'query' | 'body' = 'query',
): Promise<T | string[]> {
  try {
    return (await pipe.transform(input, { type, metatype })) as T;
  } catch (error) {
    if (error instanceof BadRequestException)
      return (error.getResponse() as { message: string[] }).message;
    throw error;
  }
}

describe(DeadLetterListQueryDto.name, () => {
  it('takes every filter, converts the limit and defaults it to 100', async () => {
    expect(await validate(DeadLetterListQueryDto, {})).toEqual({ limit: 100 });
    const cursor = encodeDeadLetterCursor({ occurredAt: '2025-03-01T12:00:00.000Z', id: '3' });
    expect(
      await validate(DeadLetterListQueryDto, {
        source: 'mobway',
        stage: 'consume',
        reason_class: 'out_of_range',
        q: 'latitude',
        entity_id: '9BWZZZ377VT004251',
        redrive_status: 'none',
        from: '2025-03-01T00:00:00 03:00',
        to: '2025-03-02T00:00:00Z',
        limit: '1000',
        cursor,
      }),
    ).toEqual({
      source: 'mobway',
      stage: 'consume',
      reason_class: 'out_of_range',
      q: 'latitude',
      entity_id: '9BWZZZ377VT004251',
      redrive_status: 'none',
      from: '2025-03-01T00:00:00+03:00',
      to: '2025-03-02T00:00:00Z',
      limit: 1000,
      cursor,
    });
  });

  it('answers one message per bad parameter, naming it', async () => {
    expect(
      await validate(DeadLetterListQueryDto, {
        source: 'no spaces please',
        stage: 'publish',
        reason_class: 'bad',
        q: 'x'.repeat(201),
        redrive_status: 'maybe',
        from: 'yesterday',
        limit: '1001',
        cursor: 'nope',
        extra: '1',
      }),
    ).toEqual([
      'property extra should not exist',
      expect.stringMatching(/^source must be a source name/),
      expect.stringMatching(/^stage must be one of the following values: ingest, consume/),
      expect.stringMatching(/^reason_class must be one of the following values: malformed,/),
      'q must be shorter than or equal to 200 characters',
      expect.stringMatching(/^redrive_status must be one of/),
      expect.stringMatching(/^from must be an ISO-8601 timestamp/),
      'limit must not be greater than 1000',
      'cursor is malformed',
    ]);
    expect(
      await validate(DeadLetterListQueryDto, {
        from: '2025-03-02T00:00:00Z',
        to: '2025-03-01T00:00:00Z',
        q: '',
      }),
    ).toEqual(['q must be longer than or equal to 1 characters', 'from must not be after to']);
  });
});

describe(RedriveRequestDto.name, () => {
  it('takes ids as numbers or decimal text', async () => {
    expect(
      await validate(RedriveRequestDto, { ids: [1, '2', '900719925474099312'] }, 'body'),
    ).toEqual({ ids: [1, '2', '900719925474099312'] });
  });

  it.each<[unknown, string]>([
    [{}, 'ids must be a list of dead-letter ids'],
    [{ ids: '1' }, 'ids must be a list of dead-letter ids'],
    [{ ids: [] }, 'ids must contain at least 1 id'],
    [{ ids: Array.from({ length: 501 }, (_, i) => i + 1) }, 'ids must contain at most 500 ids'],
    [{ ids: [1, 0] }, 'ids must hold ids (positive integers); entry 1 is not one'],
    [{ ids: [1.5] }, 'ids must hold ids (positive integers); entry 0 is not one'],
    [{ ids: ['01'] }, 'ids must hold ids (positive integers); entry 0 is not one'],
    [{ ids: [null] }, 'ids must hold ids (positive integers); entry 0 is not one'],
    [{ ids: [2 ** 60] }, 'ids must hold ids (positive integers); entry 0 is not one'],
  ])('refuses %j', async (body, message) => {
    expect(await validate(RedriveRequestDto, body, 'body')).toEqual([message]);
  });
});
