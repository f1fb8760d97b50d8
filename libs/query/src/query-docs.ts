import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ErrorResponseDto } from '@app/platform';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

export interface QueryDocsInfo {
  title: string;
  description: string;
}

/** the OpenAPI document of the app's query routes */
export function queryDocument(app: INestApplication, info: QueryDocsInfo): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion('1')
    // the keys are opaque strings, not JWTs (addBearerAuth would say bearerFormat: JWT)
    .addSecurity('bearer', {
      type: 'http',
      scheme: 'bearer',
      description: 'one of the keys in QUERY_API_KEYS, an opaque string',
    })
    .build();
  return withErrorBodies(
    SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto] }),
  );
}

/** every documented error answer has the one error body (HttpErrorFilter sends nothing else) */
function withErrorBodies(document: OpenAPIObject): OpenAPIObject {
  const content = { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } };
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path)) {
      const responses = (operation as { responses?: Record<string, { content?: unknown }> })
        .responses;
      for (const [status, response] of Object.entries(responses ?? {}))
        if (Number(status) >= 400) response.content = content;
    }
  }
  return document;
}

/** OpenAPI UI at /docs and the document at /docs-json; both open (the guard sits on the query controllers) */
export function setupQueryDocs(app: INestApplication, info: QueryDocsInfo): void {
  SwaggerModule.setup(DOCS_PATH, app, () => queryDocument(app, info), {
    jsonDocumentUrl: DOCS_JSON_PATH,
  });
}

/** what both consumers say about their query API on /docs */
export const QUERY_API_DESCRIPTION = [
  'Recover what you missed and look up history. Every route needs `Authorization: Bearer <key>`.',
  '',
  '- **Time ranges** are half-open, `from` inclusive and `to` exclusive, ordered by (`recordedAt`, `eventId`), paged with an opaque `nextCursor`. Pages are stable under concurrent inserts: each stored record appears once; a record that arrives late with an older `recordedAt` than the cursor is not in later pages, so use the changes feed to catch those.',
  '- **The changes feed** returns every record in ingestion order (`seq`), late arrivals included; `waitSeconds` long-polls.',
  '- **Bulk**: range and changes routes stream newline-delimited JSON without the page limit when asked with `Accept: application/x-ndjson`. A changes stream ends at the newest record when it started; resume from the last `seq`.',
  '- **Files for fleet tools**: range routes also answer as CSV (`text/csv`), GeoJSON (`application/geo+json`: the track as a LineString, then a Point feature per reading) and GPX 1.1 (`application/gpx+xml`), chosen by `Accept` or by `format=csv|geojson|gpx|ndjson|json`, which wins; streamed whole like NDJSON and sent as attachments.',
  '- **Gaps**: silences longer than `minGapSeconds`, including at the edges of the range (flagged), where to ask the provider for a resend.',
].join('\n');
