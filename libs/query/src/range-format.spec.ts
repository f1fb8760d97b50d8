import { BadRequestException, NotAcceptableException } from '@nestjs/common';
import { attachmentOf, negotiateRangeFormat } from './range-format';

describe(negotiateRangeFormat.name, () => {
  it.each([
    [undefined, undefined, 'json'],
    [undefined, '', 'json'],
    [undefined, '*/*', 'json'],
    [undefined, 'application/*', 'json'],
    [undefined, 'application/json', 'json'],
    [undefined, 'application/x-ndjson', 'ndjson'],
    [undefined, 'application/json, application/x-ndjson;q=0.9', 'ndjson'],
    [undefined, 'text/csv', 'csv'],
    [undefined, 'Text/CSV; charset=utf-8', 'csv'],
    [undefined, 'text/*', 'csv'],
    [undefined, 'application/geo+json', 'geojson'],
    [undefined, 'application/gpx+xml', 'gpx'],
    [undefined, 'text/csv;q=0.5, application/gpx+xml', 'gpx'],
    [undefined, 'text/csv, application/gpx+xml', 'csv'],
    [undefined, 'text/csv;q=0, application/json', 'json'],
    [undefined, ['text/html', 'application/geo+json'], 'geojson'],
    [undefined, 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'json'],
    ['csv', 'application/json', 'csv'],
    ['gpx', 'text/html', 'gpx'],
    ['ndjson', undefined, 'ndjson'],
    ['json', 'text/csv', 'json'],
  ])('format %p, Accept %p → %p', (format, accept, expected) => {
    expect(negotiateRangeFormat(format, accept)).toBe(expected);
  });

  it.each([['kml'], [''], [['csv', 'gpx']], ['toString'], ['__proto__']])(
    'refuses format %p with a 400 naming the formats',
    (format) => {
      expect(() => negotiateRangeFormat(format, 'text/csv')).toThrow(
        new BadRequestException([
          'format must be one of the following values: json, ndjson, csv, geojson, gpx',
        ]),
      );
    },
  );

  it.each([['text/html'], ['application/xml'], ['application/json;q=0'], ['image/*']])(
    'answers Accept %p with a 406',
    (accept) => {
      expect(() => negotiateRangeFormat(undefined, accept)).toThrow(NotAcceptableException);
    },
  );
});

describe(attachmentOf.name, () => {
  it.each([
    ['9BWZZZ377VT004251', 'csv', 'attachment; filename="9BWZZZ377VT004251.csv"'],
    ['dev/1 "x"\r\nçã', 'gpx', 'attachment; filename="dev_1__x_____.gpx"'],
    ['..', 'geojson', 'attachment; filename="_.geojson"'],
  ] as const)('names the file of %p', (entity, format, disposition) => {
    expect(attachmentOf(entity, format)).toBe(disposition);
  });
});
