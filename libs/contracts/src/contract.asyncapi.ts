import type { TObject } from '@sinclair/typebox';
import { jsonSchemaOf } from './contract.json';
import { DeadLetterV1Contract } from './dead-letter.v1';
import { DeviceLocationV1Contract } from './device-location.v1';
import { DEAD_LETTER_SCHEMA, LOCATION_SCHEMA, VEHICLE_SCHEMA } from './record.rules';
import { TOPICS } from './topics';
import { VehicleTelemetryV1Contract } from './vehicle-telemetry.v1';

const KAFKA_BINDING_VERSION = '0.5.0';

/** a contract as an AsyncAPI payload: AsyncAPI schemas are JSON Schema draft-07, so no 2020-12 $schema */
function payloadOf(contract: TObject): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = jsonSchemaOf(contract);
  return schema;
}

const text = (description: string) => ({ type: 'string', description });
const ref = (path: string) => ({ $ref: `#/${path}` });

function kafkaKey(description: string) {
  return { kafka: { key: text(description), bindingVersion: KAFKA_BINDING_VERSION } };
}

function headers(properties: Record<string, object>) {
  return { type: 'object', properties };
}

/**
 * The pipeline's topics as an AsyncAPI 3 document: who sends and receives what, with the payloads
 * generated from the contract definitions. Written to asyncapi/asyncapi.json by
 * `npm run contracts:generate`.
 */
export function asyncApiDocument(): Record<string, unknown> {
  const channel = (address: string, description: string, message: string) => ({
    address,
    description,
    messages: { [message]: ref(`components/messages/${message}`) },
  });
  const operation = (
    action: 'send' | 'receive',
    channelName: string,
    message: string,
    summary: string,
  ) => ({
    action,
    summary,
    channel: ref(`channels/${channelName}`),
    messages: [ref(`channels/${channelName}/messages/${message}`)],
  });
  return {
    asyncapi: '3.1.0',
    info: {
      title: 'fleet-telemetry-pipeline topics',
      version: '1',
      description:
        'Verified fleet-telemetry webhooks become versioned records on Kafka. Records are keyed by entity (VIN, device id) with the Java client murmur2 partitioner, so one entity stays in order on one partition; `eventId` is the idempotency key. Generated from the contract definitions in libs/contracts (npm run contracts:generate); do not edit by hand.',
    },
    defaultContentType: 'application/json',
    channels: {
      vehicleTelemetry: channel(
        TOPICS.vehicle,
        'Vehicle readings, keyed by VIN, retained 7 days.',
        'vehicleTelemetryV1',
      ),
      deviceLocation: channel(
        TOPICS.location,
        'Device locations, keyed by device id, retained 7 days.',
        'deviceLocationV1',
      ),
      deadLetter: channel(
        TOPICS.deadLetter,
        'Authenticated input that could not become a record, with the reasons; retained 30 days.',
        'deadLetterV1',
      ),
      rawWebhooks: channel(
        TOPICS.raw,
        'Every verified request body, byte for byte, to re-derive records after a normalizer fix; retained 30 days.',
        'rawWebhook',
      ),
    },
    operations: {
      publishVehicleTelemetry: operation(
        'send',
        'vehicleTelemetry',
        'vehicleTelemetryV1',
        'The ingest gateway publishes each valid vehicle reading (acks=all) before answering 200.',
      ),
      receiveVehicleTelemetry: operation(
        'receive',
        'vehicleTelemetry',
        'vehicleTelemetryV1',
        'The vehicle consumer stores each reading once (group vehicle-consumer); other subscribers read the same topic.',
      ),
      publishDeviceLocation: operation(
        'send',
        'deviceLocation',
        'deviceLocationV1',
        'The ingest gateway publishes each valid device location (acks=all) before answering 200.',
      ),
      receiveDeviceLocation: operation(
        'receive',
        'deviceLocation',
        'deviceLocationV1',
        'The location consumer stores each location once (group location-consumer); other subscribers read the same topic.',
      ),
      publishDeadLetter: operation(
        'send',
        'deadLetter',
        'deadLetterV1',
        'The gateway (stage ingest) and the consumers (stage consume) set aside what breaks the contract.',
      ),
      receiveDeadLetter: operation(
        'receive',
        'deadLetter',
        'deadLetterV1',
        'The console keeps every letter queryable (group console-dead-letters) and re-drives the ones an operator selects.',
      ),
      publishRawWebhook: operation(
        'send',
        'rawWebhooks',
        'rawWebhook',
        'The ingest gateway publishes every verified request body.',
      ),
    },
    components: {
      schemas: {
        VehicleTelemetryV1: payloadOf(VehicleTelemetryV1Contract),
        DeviceLocationV1: payloadOf(DeviceLocationV1Contract),
        DeadLetterV1: payloadOf(DeadLetterV1Contract),
      },
      messages: {
        vehicleTelemetryV1: {
          name: VEHICLE_SCHEMA,
          title: 'Vehicle reading',
          contentType: 'application/json',
          payload: ref('components/schemas/VehicleTelemetryV1'),
          headers: headers({
            schema: { type: 'string', const: VEHICLE_SCHEMA },
            'event-id': text('the record eventId'),
            'request-id': text("the gateway's id for the HTTP request"),
          }),
          bindings: kafkaKey('the VIN'),
        },
        deviceLocationV1: {
          name: LOCATION_SCHEMA,
          title: 'Device location',
          contentType: 'application/json',
          payload: ref('components/schemas/DeviceLocationV1'),
          headers: headers({
            schema: { type: 'string', const: LOCATION_SCHEMA },
            'event-id': text('the record eventId'),
            'request-id': text("the gateway's id for the HTTP request"),
          }),
          bindings: kafkaKey('the device id'),
        },
        deadLetterV1: {
          name: DEAD_LETTER_SCHEMA,
          title: 'Dead letter',
          contentType: 'application/json',
          payload: ref('components/schemas/DeadLetterV1'),
          headers: headers({
            schema: { type: 'string', const: DEAD_LETTER_SCHEMA },
            source: text('the webhook source, when known'),
            'request-id': text("the gateway's id for the HTTP request, at the ingest stage"),
            'replay-id': text(
              'set when a replay of the raw archive wrote it: the replay job id (or redrive-<request id> for a re-drive); its reasons then start with "replay <id>: "',
            ),
          }),
          bindings: kafkaKey('the entity id (VIN, device id), else the request id'),
        },
        rawWebhook: {
          name: 'raw-webhook',
          title: 'Raw webhook body',
          contentType: 'application/octet-stream',
          payload: text('the verified request body, byte for byte, as the sender signed it'),
          headers: headers({
            source: text('the webhook source'),
            'request-id': text("the gateway's id for the HTTP request"),
            'received-at': text('when the gateway received it, UTC'),
            'webhook-id': text("the sender's delivery id, when it gave one"),
            normalizer: text('the normalizer that read the body (mobway, weguard, traccar)'),
            'record-type': { type: 'string', enum: ['vehicle', 'location'] },
            readings: text('readings in the body, decimal: accepted + dead-lettered'),
            accepted: text('readings published as records, decimal'),
            'dead-lettered': text('readings dead-lettered at ingest, decimal'),
          }),
          bindings: kafkaKey('the request id'),
        },
      },
    },
  };
}

/** the text of asyncapi/asyncapi.json */
export function asyncApiFile(): string {
  return `${JSON.stringify(asyncApiDocument(), null, 2)}\n`;
}
