export const TOPICS = {
  vehicle: 'telemetry.vehicle.v1',
  location: 'telemetry.location.v1',
  deadLetter: 'telemetry.deadletter.v1',
  raw: 'webhooks.raw.v1',
} as const;

export type RecordType = 'vehicle' | 'location';
