import { BadRequestException, Injectable, StreamableFile } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { VehicleTelemetryV1 } from '@app/contracts';
import { RecordQueryService, streamedResponse } from '@app/query';
import { parseMobwayDate } from './brasilia-time';
import { VehicleDataRequestDto } from './vehicle-data.dto';
import { vehicleDataWindow, VehicleDataWindow } from './vehicle-data.window';
import { toMobwayReading } from './mobway-reading';

/** mobway's `POST /vehicle-data` served from our store: same request, same response shape */
@Injectable()
export class VehicleDataService {
  private readonly maxWindowDays: number;

  constructor(
    private readonly records: RecordQueryService<VehicleTelemetryV1, 'vin'>,
    config: AppConfig,
  ) {
    this.maxWindowDays = config.query.vehicleDataMaxWindowDays;
  }

  find(request: VehicleDataRequestDto, now = Date.now()): Promise<StreamableFile> {
    const outcome = vehicleDataWindow(
      instant('start_date', request.start_date),
      instant('end_date', request.end_date),
      now,
      this.maxWindowDays,
    );
    if ('problem' in outcome) throw new BadRequestException([outcome.problem]);
    const datapoints = request.datapoints === undefined ? undefined : new Set(request.datapoints);
    return streamedResponse(
      this.body([...new Set(request.vins)], outcome.window, datapoints),
      'application/json; charset=utf-8',
    );
  }

  /**
   * `{"<VIN>":[reading, …], …}` written a keyset page at a time, so 20 VINs of a busy day never sit
   * in memory at once. Every requested VIN is a key, with [] when nothing was stored. Text is held
   * back until the first page is read, so a failing database still gets an error status.
   */
  private async *body(
    vins: string[],
    window: VehicleDataWindow,
    datapoints?: ReadonlySet<string>,
  ): AsyncGenerator<string> {
    const iso = (millis: number | undefined): string | undefined =>
      millis === undefined ? undefined : new Date(millis).toISOString();
    const bounds = { from: iso(window.from), to: iso(window.to) };
    let pending = '{';
    for (const [i, vin] of vins.entries()) {
      pending += `${i > 0 ? ',' : ''}${JSON.stringify(vin)}:[`;
      let separator = '';
      for await (const page of this.records.pages(vin, bounds)) {
        yield (
          pending +
          separator +
          page.map((record) => JSON.stringify(toMobwayReading(record, datapoints))).join(',')
        );
        pending = '';
        separator = ',';
      }
      pending += ']';
    }
    yield `${pending}}`;
  }
}

/** the request's date as an instant; the DTO has refused any it cannot read */
function instant(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const date = parseMobwayDate(text);
  if ('problem' in date) throw new BadRequestException([`${name} ${date.problem}`]);
  return date.at;
}
