import fc from 'fast-check';
import {
  DeviceLocationV1Contract,
  LOCATION_SCHEMA,
  VEHICLE_SCHEMA,
  VehicleTelemetryV1Contract,
} from '@app/contracts';
import { LOCATION_TABLE, VEHICLE_TABLE } from '@app/persistence';
import { JsonBody } from './json-body';
import { RecordRow } from './record.mapper';
import { decimal, extensionNamespace, RecordGpxWriter, xmlText } from './record-gpx.writer';
import { defineRecordQuery } from './record-query.definition';
import { aRow, aVehicleRow } from './testing';

const vehicles = defineRecordQuery(VEHICLE_TABLE, VEHICLE_SCHEMA, 'vin');
const devices = defineRecordQuery(LOCATION_TABLE, LOCATION_SCHEMA, 'deviceId', {
  latitude: 'latitude',
  longitude: 'longitude',
  altitude: 'altitudeM',
});

function gpx(definition: typeof vehicles, entity: string, rows: RecordRow[]): string {
  const encoder = new RecordGpxWriter(definition).open(entity);
  const body = new JsonBody('', rows.length);
  encoder.begin(body);
  for (const row of rows) encoder.row(0, body, row);
  encoder.end(0, body);
  return body.bytes('').toString();
}

/** the trkpt lines */
const points = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('<trkpt'));

/** character data back from xmlText's escapes */
const unescape = (text: string): string =>
  text.replace(
    /&(amp|lt|gt|#xD);/g,
    (_, name: string) => ({ amp: '&', lt: '<', gt: '>', '#xD': '\r' })[name]!,
  );

describe(RecordGpxWriter.name, () => {
  it('writes a GPX 1.1 track: a trkpt per reading with lat, lon, time and the other fields as extensions', () => {
    const text = gpx(vehicles, '9BWZZZ377VT004251', [aVehicleRow()]);
    expect(text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<gpx version="1.1" creator="fleet-telemetry-pipeline" xmlns="http://www.topografix.com/GPX/1/1" ' +
        'xmlns:ft="urn:fleet-telemetry:schema:vehicle-telemetry:v1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
        'xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">\n' +
        '<trk><name>9BWZZZ377VT004251</name><trkseg>\n' +
        '<trkpt lat="-23.5" lon="-46.6"><time>2025-03-01T13:00:00.123Z</time><extensions>' +
        '<ft:eventId>0b6f2a8e-5d1c-5a3e-9f7b-2c4d6e8f0a1b</ft:eventId><ft:source>mobway</ft:source>' +
        '<ft:vin>9BWZZZ377VT004251</ft:vin><ft:receivedAt>2025-03-01T13:00:01.000Z</ft:receivedAt>' +
        '<ft:headingDeg>181</ft:headingDeg><ft:odometerKm>48211.4</ft:odometerKm><ft:fuelLevelPct>57</ft:fuelLevelPct>' +
        '<ft:engineRpm>2100</ft:engineRpm><ft:lvBatteryVoltageV>13.9</ft:lvBatteryVoltageV><ft:event>position</ft:event>' +
        '<ft:flags>{"speed":{"flag":"out of range","value":512.5}}</ft:flags>' +
        '<ft:attributes>{"tire_pressure_fl":34}</ft:attributes></extensions></trkpt>\n' +
        '</trkseg></trk>\n</gpx>\n',
    );
  });

  it('names its extension namespace after the contract', () => {
    expect(extensionNamespace(VEHICLE_SCHEMA)).toBe(VehicleTelemetryV1Contract.$id);
    expect(extensionNamespace(LOCATION_SCHEMA)).toBe(DeviceLocationV1Contract.$id);
  });

  it('answers an empty range with an empty segment', () => {
    const text = gpx(vehicles, 'V', []);
    expect(text).toContain('<trk><name>V</name><trkseg>\n</trkseg></trk>\n</gpx>\n');
    expect(points(text)).toEqual([]);
  });

  it('leaves out a reading without a position, and null fields from the extensions', () => {
    const text = gpx(vehicles, 'V', [
      aVehicleRow({ latitude: null }),
      aVehicleRow({ longitude: null }),
      aVehicleRow({ event: null, flags: null, odometer_km: null }),
    ]);
    const [only, ...rest] = points(text);
    expect(rest).toEqual([]);
    expect(only).not.toMatch(/<ft:(event|flags|odometerKm|speedKph)>/);
  });

  it('writes ele from the altitude of a contract with one, only when the record gives it', () => {
    const location = (altitude: string | null) =>
      aRow(LOCATION_TABLE, {
        event_id: 'e',
        device_id: 'd',
        recorded_at: '2025-03-01 13:00:00',
        latitude: '1e-07',
        longitude: '2',
        altitude_m: altitude,
        attributes: '{}',
      });
    const [high, unknown] = points(gpx(devices as never, 'd', [location('-12.5'), location(null)]));
    expect(high).toMatch(
      /^<trkpt lat="0.0000001" lon="2"><ele>-12.5<\/ele><time>2025-03-01T13:00:00.000Z<\/time><extensions><ft:eventId>/,
    );
    expect(high).not.toContain('altitudeM');
    expect(unknown).toMatch(/^<trkpt lat="0.0000001" lon="2"><time>/);
  });

  it('escapes markup in names, text and JSON, and replaces what XML cannot hold', () => {
    const entity = 'dev <1> & "2"';
    const text = gpx(vehicles, entity, [
      aVehicleRow({ event: 'a</ft:event><x>&amp;\r\u0001', attributes: '{"k": "<&>"}' }),
    ]);
    expect(text).toContain('<name>dev &lt;1&gt; &amp; "2"</name>');
    expect(text).toContain('<ft:event>a&lt;/ft:event&gt;&lt;x&gt;&amp;amp;&#xD;\ufffd</ft:event>');
    expect(text).toContain('<ft:attributes>{"k":"&lt;&amp;&gt;"}</ft:attributes>');
  });

  it('escapes any text so it reads back the same (characters XML cannot hold as U+FFFD)', () => {
    // eslint-disable-next-line no-control-regex -- the control characters are what it finds
    const notXml = /[\0-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g;
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const wellFormed = Buffer.from(text).toString();
        const escaped = xmlText(wellFormed);
        expect(escaped).not.toMatch(/[<>\r]|&(?!(amp|lt|gt|#xD);)/);
        expect(escaped).not.toMatch(notXml);
        expect(unescape(escaped)).toBe(wellFormed.replace(notXml, '\ufffd'));
      }),
    );
  });

  it.each([
    ['12.5', '12.5'],
    ['1e-7', '0.0000001'],
    ['-1.25e-8', '-0.0000000125'],
    ['1e+21', '1000000000000000000000'],
    ['1.5e+22', '15000000000000000000000'],
  ])('writes the number %p as the decimal %p', (json, plain) => {
    expect(decimal(json)).toBe(plain);
  });
});
