import { DynamicModule, Module } from '@nestjs/common';
import { ApiKeyGuard } from './api-key.guard';
import {
  QueryableRecord,
  RECORD_QUERY_DEFINITION,
  RecordQueryDefinition,
} from './record-query.definition';
import { RecordQueryRepository } from './record-query.repository';
import { RecordQueryService } from './record-query.service';

/** the query API's shared parts for one record contract; the app brings its controllers */
@Module({})
export class QueryModule {
  static forRecords<R extends QueryableRecord, E extends string>(
    definition: RecordQueryDefinition<R, E>,
  ): DynamicModule {
    return {
      module: QueryModule,
      providers: [
        { provide: RECORD_QUERY_DEFINITION, useValue: definition },
        RecordQueryRepository,
        RecordQueryService,
        ApiKeyGuard,
      ],
      exports: [RECORD_QUERY_DEFINITION, RecordQueryService, ApiKeyGuard],
    };
  }
}
