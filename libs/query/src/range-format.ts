import {
  applyDecorators,
  BadRequestException,
  createParamDecorator,
  ExecutionContext,
  NotAcceptableException,
  Type,
} from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNotAcceptableResponse,
  ApiOkResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { NDJSON } from './ndjson';

/**
 * The formats a range route answers in, by `format` parameter name: the media type each is sent
 * as, and for the files a fleet tool opens (CSV, GeoJSON, GPX) the extension of the attachment.
 */
export const RANGE_FORMATS = {
  json: { mediaType: 'application/json' },
  ndjson: { mediaType: NDJSON },
  csv: {
    mediaType: 'text/csv',
    contentType: 'text/csv; charset=utf-8; header=present',
    extension: 'csv',
  },
  geojson: {
    mediaType: 'application/geo+json',
    contentType: 'application/geo+json',
    extension: 'geojson',
  },
  gpx: {
    mediaType: 'application/gpx+xml',
    contentType: 'application/gpx+xml; charset=utf-8',
    extension: 'gpx',
  },
} as const satisfies Record<
  string,
  { mediaType: string; contentType?: string; extension?: string }
>;

export type RangeFormat = keyof typeof RANGE_FORMATS;
/** the formats written as a file: one document for the whole range, sent as an attachment */
export type RangeFileFormat = 'csv' | 'geojson' | 'gpx';
export const RANGE_FORMAT_NAMES = Object.keys(RANGE_FORMATS) as RangeFormat[];

const FORMAT_MESSAGE = `format must be one of the following values: ${RANGE_FORMAT_NAMES.join(', ')}`;

interface MediaRange {
  type: string;
  q: number;
}

function mediaRanges(accept: string | string[]): MediaRange[] {
  return (Array.isArray(accept) ? accept.join(',') : accept)
    .split(',')
    .map((range) => {
      const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
      const q = params.find((param) => param.startsWith('q='));
      return { type, q: q === undefined ? 1 : Number(q.slice(2)) };
    })
    .filter((range) => range.type !== '' && range.q > 0);
}

/**
 * The format of a range response: the `format` parameter when given (an unknown one is a 400),
 * else the Accept header. application/json is the default, so any other listed type beats it
 * (a client listing application/json as its fallback still gets the stream or file it named
 * first); among those the highest q, then the first listed. `*\/*`, `application/*` and no Accept
 * at all mean JSON, `text/*` CSV; an Accept that matches nothing is a 406.
 */
export function negotiateRangeFormat(
  format: unknown,
  accept: string | string[] | undefined,
): RangeFormat {
  if (format !== undefined) {
    if (typeof format === 'string' && Object.hasOwn(RANGE_FORMATS, format))
      return format as RangeFormat;
    throw new BadRequestException([FORMAT_MESSAGE]);
  }
  if (accept === undefined || (typeof accept === 'string' && accept.trim() === '')) return 'json';
  const ranges = mediaRanges(accept);
  let best: { format: RangeFormat; q: number } | undefined;
  for (const range of ranges) {
    const named = RANGE_FORMAT_NAMES.find(
      (name) => name !== 'json' && RANGE_FORMATS[name].mediaType === range.type,
    );
    if (named !== undefined && (best === undefined || range.q > best.q))
      best = { format: named, q: range.q };
  }
  if (best) return best.format;
  const types = new Set(ranges.map((range) => range.type));
  if (types.has(RANGE_FORMATS.json.mediaType) || types.has('*/*') || types.has('application/*'))
    return 'json';
  if (types.has('text/*')) return 'csv';
  throw new NotAcceptableException(
    `no format of this route matches the Accept header; it answers ${RANGE_FORMAT_NAMES.map((name) => RANGE_FORMATS[name].mediaType).join(', ')}, or pass format=${RANGE_FORMAT_NAMES.join('|')}`,
  );
}

/** `@NegotiatedRangeFormat() format: RangeFormat`: the `format` parameter, else what Accept asks for */
export const NegotiatedRangeFormat = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): RangeFormat => {
    const request = ctx.switchToHttp().getRequest<FastifyRequest>();
    return negotiateRangeFormat(
      (request.query as Record<string, unknown> | undefined)?.format,
      request.headers.accept,
    );
  },
);

/** a file's Content-Disposition: an attachment named after the entity, in characters any file system takes */
export function attachmentOf(entity: string, format: RangeFileFormat): string {
  const name = entity.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return `attachment; filename="${name}.${RANGE_FORMATS[format].extension}"`;
}

/**
 * Documents a range route in all its formats: a JSON page, NDJSON items, and the CSV, GeoJSON and
 * GPX files, whose columns, properties and extensions are the item's fields.
 */
export function ApiRangeFormats(
  page: Type<unknown>,
  item: Type<unknown>,
  description: string,
): MethodDecorator {
  const point = {
    type: 'object',
    required: ['type', 'id', 'geometry', 'properties'],
    properties: {
      type: { type: 'string', enum: ['Feature'] },
      id: { type: 'string', description: 'the eventId' },
      geometry: {
        type: 'object',
        nullable: true,
        description: 'null for a reading without a position',
        properties: {
          type: { type: 'string', enum: ['Point'] },
          coordinates: {
            type: 'array',
            items: { type: 'number' },
            description: '[longitude, latitude] or [longitude, latitude, altitude]',
          },
        },
      },
      properties: { $ref: getSchemaPath(item) },
    },
  };
  const line = {
    type: 'object',
    description: 'the track: first feature',
    properties: {
      type: { type: 'string', enum: ['Feature'] },
      geometry: {
        type: 'object',
        nullable: true,
        description: 'null when fewer than two readings have a position',
        properties: {
          type: { type: 'string', enum: ['LineString'] },
          coordinates: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
        },
      },
      properties: {
        type: 'object',
        description: 'the entity id and how many positions the line has (`positions`)',
      },
    },
  };
  const file = (text: string) => ({ schema: { type: 'string', description: text } });
  return applyDecorators(
    ApiExtraModels(page, item),
    ApiOkResponse({
      description: [
        `${description}. Chosen by \`format\` (wins) or Accept.`,
        '- application/json: one page;',
        `- ${NDJSON}: one ${item.name} per line, no page limit;`,
        '- text/csv (RFC 4180): a header row of the field names, one row per reading, no page limit; null is an empty cell, an empty text "" (quoted), objects (flags, attributes) JSON text in a quoted cell;',
        '- application/geo+json: a FeatureCollection, first a LineString of the readings with a position, then one Point feature per reading (null geometry without a position) whose properties are the reading;',
        '- application/gpx+xml (GPX 1.1): one trk/trkseg, a trkpt per reading with a position (lat, lon, ele from the altitude where the record has one, time = recordedAt), the other fields as extensions in the namespace of the record schema; readings without a position are left out.',
        'CSV, GeoJSON and GPX are sent as attachments (Content-Disposition).',
      ].join('\n'),
      headers: {
        'Content-Disposition': {
          description: 'csv, geojson and gpx: `attachment; filename="<entity>.<extension>"`',
          schema: { type: 'string' },
        },
      },
      content: {
        'application/json': { schema: { $ref: getSchemaPath(page) } },
        [NDJSON]: { schema: { $ref: getSchemaPath(item) } },
        'text/csv': file(
          `a header row of ${item.name}'s fields (schema excepted), then a row per reading`,
        ),
        'application/geo+json': {
          schema: {
            type: 'object',
            properties: {
              type: { type: 'string', enum: ['FeatureCollection'] },
              features: { type: 'array', items: { oneOf: [line, point] } },
            },
          },
        },
        'application/gpx+xml': file('a GPX 1.1 document with one track'),
      },
    }),
    ApiNotAcceptableResponse({
      description: 'no `format` parameter and an Accept header none of the formats matches',
    }),
  );
}
