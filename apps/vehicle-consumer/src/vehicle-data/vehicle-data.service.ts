import { BadRequestException, Injectable, StreamableFile } from '@nestjs/common';
import { VehicleTelemetryV1 } from '@app/contracts';
import { RecordQueryService, streamedResponse } from '@app/query';
import { parseBrasiliaDate } from './brasilia-time';
import { VehicleDataRequestDto } from './vehicle-data.dto';
import { vehicleDataWindow, VehicleDataWindow } from './vehicle-data.window';
import { toMobwayReading } from './mobway-reading';

/** mobway's `POST /vehicle-data` served from our store: same request, same response shape */
@Injectable()
export class VehicleDataService {
  constructor(private readonly records: RecordQueryService<VehicleTelemetryV1, 'vin'>) {}

  find(request: VehicleDataRequestDto, now = Date.now()): Promise<StreamableFile> {
    const window = vehicleDataWindow(parseBrasiliaDate(request.start_date), parseBrasiliaDate(request.end_date), now);
    if (!window) throw new BadRequestException(['start_date must be before end_date (default end_date: now)']);
    const datapoints = request.datapoints === undefined ? undefined : new Set(request.datapoints);
    return streamedResponse(this.body([...new Set(request.vins)], window, datapoints), 'application/json; charset=utf-8');
  }

  /**
   * `{"<VIN>":[reading, …], …}` written a keyset page at a time, so 20 VINs of a busy day never sit
   * in memory at once. Every requested VIN is a key, with [] when nothing was stored. Text is held
   * back until the first page is read, so a failing database still gets an error status.
   */
  private async *body(vins: string[], window: VehicleDataWindow, datapoints?: ReadonlySet<string>): AsyncGenerator<string> {
    const bounds = { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() };
    let pending = '{';
    for (const [i, vin] of vins.entries()) {
      pending += `${i > 0 ? ',' : ''}${JSON.stringify(vin)}:[`;
      let separator = '';
      for await (const page of this.records.pages(vin, bounds)) {
        yield pending + separator + page.map((record) => JSON.stringify(toMobwayReading(record, datapoints))).join(',');
        pending = '';
        separator = ',';
      }
      pending += ']';
    }
    yield `${pending}}`;
  }
}
