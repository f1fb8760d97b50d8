import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { TOPICS } from '@app/contracts';
import { AsyncApiController } from './asyncapi.controller';

describe(AsyncApiController.name, () => {
  it('answers the checked-in AsyncAPI document, which @asyncapi/parser reads without a diagnostic', async () => {
    const sut = new AsyncApiController();

    const text = sut.document();
    const { document, diagnostics } = await new Parser().parse(text);

    expect(text).toBe(readFileSync(join(__dirname, '../../../asyncapi/asyncapi.json'), 'utf8'));
    expect(diagnostics.map((d) => d.message)).toEqual([]);
    expect(
      document!
        .channels()
        .all()
        .map((c) => c.address())
        .sort(),
    ).toEqual(Object.values(TOPICS).sort());
  });
});
