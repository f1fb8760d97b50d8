import { recordRowOrder } from './record-query.repository';

const fields = (...names: string[]): { name: string }[] => names.map((name) => ({ name }));

describe(recordRowOrder.name, () => {
  const columns = ['seq', 'event_id', 'recorded_at', 'attributes'];

  it('takes rows as they are when the query selects the columns in RecordRow order', () => {
    expect(recordRowOrder(columns, fields(...columns))).toBeNull();
    expect(recordRowOrder(columns, fields(...columns, 'extra'))).toBeNull();
  });

  it('finds each column by name when the query selects them in another order', () => {
    expect(recordRowOrder(columns, fields('attributes', 'seq', 'recorded_at', 'event_id'))).toEqual([1, 3, 2, 0]);
  });

  it('refuses a result without one of the columns', () => {
    expect(() => recordRowOrder(columns, fields('seq', 'event_id', 'recorded_at'))).toThrow('the query selected no attributes column');
  });
});
