import type { DataSource } from 'typeorm';
import { VEHICLE_SCHEMA } from '@app/contracts';
import { VEHICLE_TABLE } from '@app/persistence';
import { DatabaseUnavailableException } from './database-unavailable.exception';
import { defineRecordQuery } from './record-query.definition';
import { RecordQueryRepository, recordRowOrder } from './record-query.repository';

const fields = (...names: string[]): { name: string }[] => names.map((name) => ({ name }));

describe(recordRowOrder.name, () => {
  const columns = ['seq', 'event_id', 'recorded_at', 'attributes'];

  it('takes rows as they are when the query selects the columns in RecordRow order', () => {
    expect(recordRowOrder(columns, fields(...columns))).toBeNull();
    expect(recordRowOrder(columns, fields(...columns, 'extra'))).toBeNull();
  });

  it('finds each column by name when the query selects them in another order', () => {
    expect(recordRowOrder(columns, fields('attributes', 'seq', 'recorded_at', 'event_id'))).toEqual(
      [1, 3, 2, 0],
    );
  });

  it('refuses a result without one of the columns', () => {
    expect(() => recordRowOrder(columns, fields('seq', 'event_id', 'recorded_at'))).toThrow(
      'the query selected no attributes column',
    );
  });
});

describe(RecordQueryRepository.name, () => {
  const definition = defineRecordQuery(
    VEHICLE_TABLE,
    VEHICLE_SCHEMA,
    'vin',
  ) as unknown as ConstructorParameters<typeof RecordQueryRepository>[1];
  const failing = (error: Error) =>
    new RecordQueryRepository(
      {
        query: () => Promise.reject(error),
        createQueryRunner: () => ({
          connect: () => Promise.reject(error),
          release: () => Promise.resolve(),
        }),
      } as unknown as DataSource,
      definition,
    );
  const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.8:5432'), {
    code: 'ECONNREFUSED',
  });

  it('turns PostgreSQL being unreachable into DatabaseUnavailableException, on plain and streamed queries', async () => {
    await expect(failing(refused).entities(undefined, 10)).rejects.toBeInstanceOf(
      DatabaseUnavailableException,
    );
    await expect(
      failing(refused).range('9BWZZZ377VT004251', {}, 10, () => undefined),
    ).rejects.toBeInstanceOf(DatabaseUnavailableException);
    await expect(failing(refused).lastSeq()).rejects.toBeInstanceOf(DatabaseUnavailableException);
  });

  it('lets any other error through as it is', async () => {
    const syntax = Object.assign(new Error('syntax error'), { code: '42601' });

    await expect(failing(syntax).entities(undefined, 10)).rejects.toBe(syntax);
  });
});
