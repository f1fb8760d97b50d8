import { Module } from '@nestjs/common';
import { QueryModule } from '@app/query';
import { VehicleDataController } from '../vehicle-data/vehicle-data.controller';
import { VehicleDataService } from '../vehicle-data/vehicle-data.service';
import { VEHICLE_QUERY } from './vehicle-query.definition';
import { VehiclesController } from './vehicles.controller';

/** the vehicle query API: /v1/vehicles… and the mobway-compatible POST /vehicle-data */
@Module({
  imports: [QueryModule.forRecords(VEHICLE_QUERY)],
  controllers: [VehiclesController, VehicleDataController],
  providers: [VehicleDataService],
})
export class VehicleQueryModule {}
