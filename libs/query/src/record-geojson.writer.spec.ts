import { LOCATION_SCHEMA, VEHICLE_SCHEMA } from '@app/contracts';
import { LOCATION_TABLE, VEHICLE_TABLE } from '@app/persistence';
import { JsonBody } from './json-body';
import { RecordMapper, RecordRow } from './record.mapper';
import { RecordGeoJsonWriter } from './record-geojson.writer';
import { defineRecordQuery } from './record-query.definition';
import { aRow, aVehicleRow } from './testing';

const vehicles = defineRecordQuery(VEHICLE_TABLE, VEHICLE_SCHEMA, 'vin');
const devices = defineRecordQuery(LOCATION_TABLE, LOCATION_SCHEMA, 'deviceId', {
  latitude: 'latitude',
  longitude: 'longitude',
  altitude: 'altitudeM',
});

interface Feature {
  type: 'Feature';
  id?: string;
  geometry: { type: string; coordinates: unknown } | null;
  properties: Record<string, unknown>;
}
interface Collection {
  type: 'FeatureCollection';
  features: Feature[];
}

/** the file the service writes: begin, every row in each pass, end of each pass */
function geojson(definition: typeof vehicles, entity: string, rows: RecordRow[]): string {
  const encoder = new RecordGeoJsonWriter(definition).open(entity);
  const body = new JsonBody('', rows.length);
  encoder.begin(body);
  for (let pass = 0; pass < encoder.passes; pass++) {
    for (const row of rows) encoder.row(pass, body, row);
    encoder.end(pass, body);
  }
  return body.bytes('').toString();
}
const parsed = (text: string): Collection => JSON.parse(text) as Collection;

const at = (n: number, texts: Record<string, string | null> = {}): RecordRow =>
  aVehicleRow({
    event_id: `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`,
    recorded_at: `2025-03-01 13:00:0${n}`,
    latitude: `-23.${n}`,
    longitude: `-46.${n}`,
    ...texts,
  });

describe(RecordGeoJsonWriter.name, () => {
  const mapper = new RecordMapper(vehicles);

  it('writes the track as a LineString first, then a Point feature per record with the record as properties', () => {
    const rows = [at(1), at(2), at(3)];
    const collection = parsed(geojson(vehicles, 'V1', rows));
    expect(collection.type).toBe('FeatureCollection');
    expect(collection.features[0]).toEqual({
      type: 'Feature',
      geometry: {
        type: 'LineString',
        coordinates: [
          [-46.1, -23.1],
          [-46.2, -23.2],
          [-46.3, -23.3],
        ],
      },
      properties: { vin: 'V1', positions: 3 },
    });
    expect(collection.features.slice(1)).toEqual(
      rows.map((row) => {
        const record = mapper.toRecord(row);
        return {
          type: 'Feature',
          id: record.eventId,
          geometry: { type: 'Point', coordinates: [record.longitude, record.latitude] },
          properties: JSON.parse(JSON.stringify(record)) as object,
        };
      }),
    );
  });

  it('answers an empty range with a line of null geometry and no points', () => {
    expect(parsed(geojson(vehicles, 'V1', []))).toEqual({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', geometry: null, properties: { vin: 'V1', positions: 0 } }],
    });
  });

  it('gives one point no line (a LineString needs two positions)', () => {
    const { features } = parsed(geojson(vehicles, 'V1', [at(1)]));
    expect(features.map((f) => f.geometry?.type ?? null)).toEqual([null, 'Point']);
    expect(features[0].properties).toEqual({ vin: 'V1', positions: 1 });
  });

  it('keeps a record without a position as a feature of null geometry, off the line', () => {
    const rows = [at(1), at(2, { latitude: null }), at(3, { longitude: null }), at(4)];
    const { features } = parsed(geojson(vehicles, 'V1', rows));
    expect(features[0].geometry).toEqual({
      type: 'LineString',
      coordinates: [
        [-46.1, -23.1],
        [-46.4, -23.4],
      ],
    });
    expect(features[0].properties.positions).toBe(2);
    expect(features.slice(1).map((f) => f.geometry)).toEqual([
      { type: 'Point', coordinates: [-46.1, -23.1] },
      null,
      null,
      { type: 'Point', coordinates: [-46.4, -23.4] },
    ]);
    expect(features[2].properties).toMatchObject({ latitude: null, longitude: -46.2 });
  });

  it('escapes text as JSON and writes nulls in properties as null', () => {
    const entity = 'dev "quoted"\n\\ ção';
    const row = at(1, { event: '"}]\u0001', speed_kph: null, flags: null });
    const { features } = parsed(geojson(vehicles, entity, [row]));
    expect(features[0].properties.vin).toBe(entity);
    expect(features[1].properties).toMatchObject({
      event: '"}]\u0001',
      speedKph: null,
      flags: null,
    });
  });

  it('adds the altitude to a point where the contract has one and the record gives it; the line stays 2D', () => {
    const location = (n: number, altitude: string | null) =>
      aRow(LOCATION_TABLE, {
        seq: String(n),
        event_id: `e${n}`,
        device_id: 'd',
        recorded_at: `2025-03-01 13:00:0${n}`,
        latitude: '1',
        longitude: String(n),
        altitude_m: altitude,
        attributes: '{}',
      });
    const { features } = parsed(
      geojson(devices as never, 'd', [location(1, '12.5'), location(2, null)]),
    );
    expect(features.map((f) => f.geometry?.coordinates)).toEqual([
      [
        [1, 1],
        [2, 1],
      ],
      [1, 1, 12.5],
      [2, 1],
    ]);
    expect(features[0].properties).toEqual({ deviceId: 'd', positions: 2 });
  });
});
