import {
  checkLocation,
  type DeviceLocationV1,
  LOCATION_SCHEMA,
  type RecordType,
} from '@app/contracts';
import { eventIdFor } from './event-id';
import {
  finiteNumber,
  isJsonObject,
  JsonObject,
  kindOf,
  own,
  quoted,
  readingFault,
  unmapped,
} from './json-values';
import { NormalizeContext, NormalizeOutcome, Normalizer } from './normalizer';
import { emptyOutcome, ReadingResult, rejection, settle } from './reading-result';
import { utcFromDate, utcFromEpoch, utcFromWallClock } from './timestamps';

// Traccar's Position model: speed in knots, altitude and accuracy in metres, course in degrees
const KNOTS_TO_KPH = 1.852;
const NUMBER = 'a finite number or a numeric string';
const TIME = 'an ISO-8601 string or epoch seconds or milliseconds';
const TIME_KEYS = ['fixTime', 'deviceTime'];
const NONE: ReadonlySet<string> = new Set();
const BATTERY_LEVEL: ReadonlySet<string> = new Set(['batteryLevel']);

/**
 * Traccar's position forwarding (`forward.url` with `forward.type` json, formerly `forward.json`):
 * one `{"position":{…},"device":{…}}` per request, or a list of them. See README.md for the mapping.
 */
export class TraccarNormalizer implements Normalizer<DeviceLocationV1> {
  readonly recordType: RecordType = 'location';

  /** @param check the contract check run on every record */
  constructor(private readonly check: (record: DeviceLocationV1) => string[] = checkLocation) {}

  normalize(payload: unknown, ctx: NormalizeContext): NormalizeOutcome<DeviceLocationV1> {
    const outcome = emptyOutcome<DeviceLocationV1>();
    const receivedAt = utcFromDate(ctx.receivedAt) ?? '';
    const items = Array.isArray(payload) ? payload : isJsonObject(payload) ? [payload] : undefined;
    if (items === undefined) {
      const reason = `traccar payload must be a forwarded position ({"position":{…},"device":{…}}) or a list of them, got ${kindOf(payload)}`;
      outcome.rejected.push(rejection([reason], payload).rejection);
      return outcome;
    }
    for (const item of items)
      settle(outcome, item, () => this.forwarded(item, ctx.source, receivedAt), ctx.maxReadings);
    return outcome;
  }

  private forwarded(
    item: unknown,
    source: string,
    receivedAt: string,
  ): ReadingResult<DeviceLocationV1> {
    if (!isJsonObject(item))
      return rejection([`forwarded position must be an object, got ${kindOf(item)}`], item);
    const fault = readingFault(item);
    if (fault !== undefined) return rejection([`forwarded position ${fault}`], item);

    const reasons: string[] = [];
    const deviceId = deviceIdOf(own(item, 'device'), reasons);
    const position = own(item, 'position');
    if (!isJsonObject(position)) {
      reasons.push(`position must be an object, got ${kindOf(position)}`);
      return rejection(reasons, item, deviceId);
    }
    const latitude = requiredNumber(position, 'latitude', reasons);
    const longitude = requiredNumber(position, 'longitude', reasons);
    const recordedAt = recordedAtOf(position, reasons);
    if (
      reasons.length > 0 ||
      deviceId === undefined ||
      latitude === undefined ||
      longitude === undefined ||
      recordedAt === undefined
    )
      return rejection(reasons, item, deviceId);

    // a field that is not numeric is not guessed at: the record says null, attributes keep the value
    const used = new Set(['latitude', 'longitude', 'fixTime']);
    const optional = (key: string): number | null => {
      const value = finiteNumber(own(position, key));
      if (value === undefined) return null;
      used.add(key);
      return value;
    };
    const knots = optional('speed');
    const accuracy = optional('accuracy');
    const course = optional('course');
    const altitude = optional('altitude');
    const traccarAttributes = own(position, 'attributes');
    const batteryPct = isJsonObject(traccarAttributes)
      ? (finiteNumber(own(traccarAttributes, 'batteryLevel')) ?? null)
      : null;
    if (isJsonObject(traccarAttributes)) used.add('attributes');
    // the position's own fields (protocol, valid, serverTime, …) and then Traccar's attributes,
    // flattened; an attribute named like a position field wins (the raw topic keeps both). One
    // object written in place: a spread of the two costs ~35x as much
    const attributes = unmapped(position, used);
    if (isJsonObject(traccarAttributes))
      unmapped(traccarAttributes, batteryPct === null ? NONE : BATTERY_LEVEL, attributes);

    const record: DeviceLocationV1 = {
      schema: LOCATION_SCHEMA,
      // the position alone: the device object (status, lastUpdate) changes between retries
      eventId: eventIdFor(source, deviceId, recordedAt, position),
      source,
      deviceId,
      recordedAt,
      receivedAt,
      latitude,
      longitude,
      // Traccar reports 0 when the device gave no accuracy
      accuracyM: accuracy === 0 ? null : accuracy,
      speedKph: knots === null ? null : Math.round(knots * KNOTS_TO_KPH * 1e6) / 1e6,
      headingDeg: course,
      altitudeM: altitude,
      batteryPct,
      attributes,
    };
    const broken = this.check(record);
    return broken.length > 0 ? rejection(broken, item, deviceId) : { record };
  }
}

/** device.uniqueId, the identifier the tracker reports (IMEI or the like); Traccar's numeric ids are its own */
function deviceIdOf(device: unknown, reasons: string[]): string | undefined {
  if (!isJsonObject(device)) {
    reasons.push(`device must be an object holding uniqueId, got ${kindOf(device)}`);
    return undefined;
  }
  const value = own(device, 'uniqueId');
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  reasons.push(
    value === undefined || value === null
      ? 'device.uniqueId missing'
      : `device.uniqueId must be a non-blank string or a number, got ${kindOf(value)}`,
  );
  return undefined;
}

function requiredNumber(position: JsonObject, key: string, reasons: string[]): number | undefined {
  const value = own(position, key);
  const number = finiteNumber(value);
  if (number === undefined)
    reasons.push(
      value === undefined || value === null
        ? `position.${key} missing`
        : `position.${key} must be ${NUMBER}, got ${kindOf(value)}`,
    );
  return number;
}

// fixTime is when the fix was taken; deviceTime (when the device sent it) only stands in when it is absent
function recordedAtOf(position: JsonObject, reasons: string[]): string | undefined {
  const key = TIME_KEYS.find((k) => own(position, k) !== undefined && own(position, k) !== null);
  if (key === undefined) {
    reasons.push('position.fixTime missing (and no deviceTime)');
    return undefined;
  }
  const value = own(position, key);
  const epoch = finiteNumber(value);
  // Traccar writes an offset; without one the time is taken as UTC
  const recordedAt =
    epoch !== undefined
      ? utcFromEpoch(epoch)
      : typeof value === 'string'
        ? utcFromWallClock(value, 0)
        : undefined;
  if (recordedAt === undefined)
    reasons.push(
      typeof value === 'string'
        ? `position.${key} ${quoted(value)} is neither an ISO-8601 time nor epoch seconds or milliseconds`
        : `position.${key} must be ${TIME}, got ${kindOf(value)}`,
    );
  return recordedAt;
}
