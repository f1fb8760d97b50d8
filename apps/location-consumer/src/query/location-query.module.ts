import { Module } from '@nestjs/common';
import { QueryModule } from '@app/query';
import { DevicesController } from './devices.controller';
import { LOCATION_QUERY } from './location-query.definition';

/** the device location query API: /v1/devices… */
@Module({
  imports: [QueryModule.forRecords(LOCATION_QUERY)],
  controllers: [DevicesController],
})
export class LocationQueryModule {}
