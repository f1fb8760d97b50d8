import { checkLocation, DeviceLocationV1, LOCATION_SCHEMA, type RecordType } from '@app/contracts';
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

// WeGuard does not publish its field names: each field is looked up under every plausible
// spelling, in this order, and the first one holding a usable value wins (README.md has the table)
const DEVICE_ID = [
  'deviceId',
  'device_id',
  'deviceIdentifier',
  'device',
  'imei',
  'serial',
  'serialNumber',
  'serial_number',
  'id',
];
// a bare `id` may name the location or the delivery rather than the device: it comes last, after a
// device id the envelope gives, and an envelope's own `id` is never used
const NAMED_DEVICE_ID = DEVICE_ID.filter((key) => key !== 'id');
const LATITUDE = ['latitude', 'lat'];
const LONGITUDE = ['longitude', 'lng', 'lon', 'long'];
const TIME = [
  'timestamp',
  'time',
  'recordedAt',
  'recorded_at',
  'dateTime',
  'date_time',
  'locationTime',
  'createdAt',
];
const ACCURACY = ['accuracy', 'accuracyM', 'horizontalAccuracy'];
// explicit units first: `speed` alone is taken as km/h
const SPEED_KPH = ['speedKph', 'speedMps', 'speed'];
const HEADING = ['heading', 'bearing', 'course'];
const ALTITUDE = ['altitude', 'alt'];
const BATTERY = ['battery', 'batteryLevel', 'battery_level', 'batteryPct'];
const LISTS = ['locations', 'data', 'events', 'items', 'records', 'payload'];
// how many envelopes deep a location may sit, e.g. {"data":{"locations":[...]}}
const MAX_ENVELOPES = 3;
const MPS_TO_KPH = 3.6;

interface Located {
  items: unknown[];
  envelope?: JsonObject;
}

interface Picked<T> {
  key: string;
  value: T;
}

/**
 * WeGuard / WeTrack device locations: one location object, a list of them, or an envelope holding
 * them (or one) under `locations`, `data`, `events`, `items`, `records` or `payload`.
 */
export class WeguardNormalizer implements Normalizer<DeviceLocationV1> {
  readonly recordType: RecordType = 'location';

  /** @param check the contract check run on every record (compiled from the definition) */
  constructor(private readonly check: (record: DeviceLocationV1) => string[] = checkLocation) {}

  normalize(payload: unknown, ctx: NormalizeContext): NormalizeOutcome<DeviceLocationV1> {
    const outcome = emptyOutcome<DeviceLocationV1>();
    const receivedAt = utcFromDate(ctx.receivedAt) ?? '';
    const located = locate(payload);
    if (located === undefined) {
      const reason = `weguard payload must be a location object, a list of them or an envelope holding them, got ${kindOf(payload)}`;
      outcome.rejected.push(rejection([reason], payload).rejection);
      return outcome;
    }
    const fallbackDeviceId =
      located.envelope && pickDeviceId(located.envelope, NAMED_DEVICE_ID)?.value;
    for (const item of located.items) {
      settle(
        outcome,
        item,
        () => this.location(item, fallbackDeviceId, ctx.source, receivedAt),
        ctx.maxReadings,
      );
    }
    return outcome;
  }

  private location(
    item: unknown,
    fallbackDeviceId: string | undefined,
    source: string,
    receivedAt: string,
  ): ReadingResult<DeviceLocationV1> {
    if (!isJsonObject(item))
      return rejection([`location must be an object, got ${kindOf(item)}`], item);
    const fault = readingFault(item);
    if (fault !== undefined) return rejection([`location ${fault}`], item);

    const reasons: string[] = [];
    const used = new Set<string>();
    const take = <T>(picked: Picked<T> | undefined): T | undefined => {
      if (picked === undefined) return undefined;
      used.add(picked.key);
      return picked.value;
    };

    const deviceId =
      take(pickDeviceId(item, NAMED_DEVICE_ID)) ??
      fallbackDeviceId ??
      take(pickDeviceId(item, ['id']));
    if (deviceId === undefined)
      reasons.push(
        missingOrUnusable('device id', item, DEVICE_ID, 'a non-blank string or a number'),
      );
    const latitude = take(pickNumber(item, LATITUDE));
    if (latitude === undefined)
      reasons.push(
        missingOrUnusable('latitude', item, LATITUDE, 'a finite number or a numeric string'),
      );
    const longitude = take(pickNumber(item, LONGITUDE));
    if (longitude === undefined)
      reasons.push(
        missingOrUnusable('longitude', item, LONGITUDE, 'a finite number or a numeric string'),
      );
    const recordedAt = recordedAtOf(item, take(pickTime(item)), reasons);

    if (
      reasons.length > 0 ||
      deviceId === undefined ||
      latitude === undefined ||
      longitude === undefined ||
      recordedAt === undefined
    ) {
      return rejection(reasons, item, deviceId);
    }

    const accuracyM = take(pickNumber(item, ACCURACY)) ?? null;
    const speed = take(pickNumber(item, SPEED_KPH)) ?? null;
    const record: DeviceLocationV1 = {
      schema: LOCATION_SCHEMA,
      eventId: eventIdFor(source, deviceId, recordedAt, item),
      source,
      deviceId,
      recordedAt,
      receivedAt,
      latitude,
      longitude,
      accuracyM,
      speedKph:
        speed !== null && used.has('speedMps') ? Math.round(speed * MPS_TO_KPH * 1e6) / 1e6 : speed,
      headingDeg: take(pickNumber(item, HEADING)) ?? null,
      altitudeM: take(pickNumber(item, ALTITUDE)) ?? null,
      batteryPct: take(pickNumber(item, BATTERY)) ?? null,
      // last: every key not taken above, including the spellings that lost
      attributes: unmapped(item, used),
    };
    const broken = this.check(record);
    return broken.length > 0 ? rejection(broken, item, deviceId) : { record };
  }
}

/** The locations in a payload, or undefined when it has none of the accepted shapes. */
function locate(payload: unknown): Located | undefined {
  if (Array.isArray(payload)) return { items: payload };
  if (!isJsonObject(payload)) return undefined;
  return envelopeContents(payload, 1) ?? { items: [payload] };
}

/** What an envelope holds: a list, or one location, under a list key, possibly a few envelopes down. */
function envelopeContents(object: JsonObject, depth: number): Located | undefined {
  // a location may itself carry a `data` object: a latitude says this is the location
  if (hasLatitude(object) || depth > MAX_ENVELOPES) return undefined;
  for (const key of LISTS) {
    const inner = own(object, key);
    if (Array.isArray(inner)) return { items: inner, envelope: object };
    if (isJsonObject(inner)) {
      if (hasLatitude(inner)) return { items: [inner], envelope: object };
      const nested = envelopeContents(inner, depth + 1);
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
}

function hasLatitude(object: JsonObject): boolean {
  return LATITUDE.some((key) => Object.hasOwn(object, key));
}

function pick<T>(
  item: JsonObject,
  keys: readonly string[],
  usable: (value: unknown) => T | undefined,
): Picked<T> | undefined {
  for (const key of keys) {
    const value = usable(own(item, key));
    if (value !== undefined) return { key, value };
  }
  return undefined;
}

function pickNumber(item: JsonObject, keys: readonly string[]): Picked<number> | undefined {
  return pick(item, keys, finiteNumber);
}

function pickDeviceId(item: JsonObject, keys: readonly string[]): Picked<string> | undefined {
  return pick(item, keys, (value) => {
    if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
    return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
  });
}

// numbers are epoch seconds or millis; strings are ISO-8601 or the same epochs as text
function pickTime(item: JsonObject): Picked<string | number> | undefined {
  return pick(item, TIME, (value) =>
    typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
      ? value
      : undefined,
  );
}

function recordedAtOf(
  item: JsonObject,
  value: string | number | undefined,
  reasons: string[],
): string | undefined {
  if (value === undefined) {
    reasons.push(
      missingOrUnusable('time', item, TIME, 'an ISO-8601 string or epoch seconds or milliseconds'),
    );
    return undefined;
  }
  const epoch = finiteNumber(value);
  // without an offset the time is taken as UTC
  const recordedAt =
    epoch !== undefined ? utcFromEpoch(epoch) : utcFromWallClock(value as string, 0);
  if (recordedAt === undefined) {
    reasons.push(
      `time ${typeof value === 'string' ? quoted(value) : String(value)} is neither an ISO-8601 time nor epoch seconds or milliseconds`,
    );
  }
  return recordedAt;
}

function missingOrUnusable(
  what: string,
  item: JsonObject,
  keys: readonly string[],
  expected: string,
): string {
  const present = keys.filter((key) => own(item, key) !== undefined && own(item, key) !== null);
  return present.length === 0
    ? `${what} missing: none of ${keys.join(', ')}`
    : `${what} must be ${expected}: ${present.map((key) => `${key} is ${kindOf(own(item, key))}`).join(', ')}`;
}
