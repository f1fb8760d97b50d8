import { Parser } from '@asyncapi/parser';
import { asyncApiDocument, asyncApiFile } from './contract.asyncapi';
import { DeviceLocationV1Contract } from './device-location.v1';
import { TOPICS } from './topics';
import { VehicleTelemetryV1Contract } from './vehicle-telemetry.v1';

describe(asyncApiDocument.name, () => {
  it('is a valid AsyncAPI 3.1 document (@asyncapi/parser), with no error and no warning', async () => {
    const { document, diagnostics } = await new Parser().parse(asyncApiFile());

    expect(
      diagnostics.map((d) => `${d.severity} ${d.code}: ${d.message} at ${d.path.join('.')}`),
    ).toEqual([]);
    expect(document).toBeDefined();
  });

  it('describes every topic, and each record topic with its contract as the payload', async () => {
    const { document } = await new Parser().parse(asyncApiFile());
    const channels = document!.channels().all();
    const payload = (address: string) =>
      channels
        .find((c) => c.address() === address)!
        .messages()
        .all()[0]
        .payload()!
        .json<{ required: string[]; properties: object }>();

    expect(channels.map((c) => c.address()).sort()).toEqual(Object.values(TOPICS).sort());
    expect(Object.keys(payload(TOPICS.vehicle).properties)).toEqual(
      Object.keys(VehicleTelemetryV1Contract.properties),
    );
    expect(payload(TOPICS.location).required).toEqual(DeviceLocationV1Contract.required);
  });
});
