import { type Static, Type } from '@sinclair/typebox';
import { NullableString } from './contract.fields';
import { DEAD_LETTER_SCHEMA } from './record.rules';

/**
 * `dead-letter/v1`, the one definition of a rejected reading or message on
 * `telemetry.deadletter.v1`: the type below and schemas/dead-letter.v1.json derive from it.
 * Exactly one of `original` or `originalBase64` is normally set.
 */
export const DeadLetterV1Contract = Type.Object(
  {
    schema: Type.Literal(DEAD_LETTER_SCHEMA, {
      description: 'Schema name and version of this record.',
    }),
    stage: Type.Unsafe<'ingest' | 'consume'>({
      description:
        'Where it was rejected: "ingest" by the gateway while normalizing a webhook, "consume" by a consumer while storing a record.',
      enum: ['ingest', 'consume'],
    }),
    source: NullableString({
      description: 'The webhook source, e.g. "mobway"; null when it could not be told.',
    }),
    reasons: Type.Array(Type.String(), {
      description: 'Human-readable reasons, e.g. "latitude must not be greater than 90".',
      minItems: 1,
    }),
    occurredAt: Type.String({
      description: 'When it was rejected, in UTC, as yyyy-mm-ddThh:mm:ss.sssZ.',
      format: 'date-time',
      pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$',
    }),
    requestId: Type.Optional(
      Type.String({ description: "The gateway's id for the HTTP request that carried it." }),
    ),
    entityId: Type.Optional(
      Type.String({ description: 'The VIN or device id, when one could be read.' }),
    ),
    original: Type.Optional(
      Type.Unknown({
        description:
          "The rejected reading (ingest) or record (consume) as JSON, exactly as received; times and units are the sender's.",
      }),
    ),
    originalBase64: Type.Optional(
      Type.String({
        description: 'The original bytes, base64-encoded, when they were not JSON.',
        contentEncoding: 'base64',
      }),
    ),
    topic: Type.Optional(
      Type.String({
        description: 'Consume stage: the Kafka topic the rejected message was read from.',
      }),
    ),
    partition: Type.Optional(
      Type.Integer({
        description: 'Consume stage: the partition the rejected message was read from.',
        minimum: 0,
      }),
    ),
    offset: Type.Optional(
      Type.String({
        description:
          'Consume stage: the offset of the rejected message, as a decimal string (Kafka offsets are 64-bit).',
        pattern: '^\\d+$',
      }),
    ),
  },
  {
    $id: 'urn:fleet-telemetry:schema:dead-letter:v1',
    title: 'DeadLetterV1',
    description:
      'One rejected reading or message, the value of a message on Kafka topic telemetry.deadletter.v1. Authenticated input that cannot become a record lands here with the reasons and the original, so nothing authenticated is lost. All timestamps are UTC.',
    additionalProperties: false,
  },
);

/** One rejected reading or message on `telemetry.deadletter.v1` (see DeadLetterV1Contract). */
export type DeadLetterV1 = Static<typeof DeadLetterV1Contract>;
