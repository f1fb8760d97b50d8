import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RecordBatchWriter } from '@app/persistence/record-batch.writer';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { RecordSink } from './record.sink';
import { SinkHealthIndicator } from './sink.health';
import { SinkMetrics } from './sink.metrics';
import { SINK_OPTIONS, SinkOptions } from './sink.options';

/**
 * Consumes one record topic into its table: `SinkModule.forRoot(SINKS.vehicle)`. Needs the global
 * ConfigModule, KafkaModule and PersistenceModule; the pool closes after the consumer has stopped.
 */
@Module({})
export class SinkModule {
  static forRoot<R>(options: SinkOptions<R>): DynamicModule {
    return {
      module: SinkModule,
      imports: [TerminusModule],
      providers: [
        { provide: SINK_OPTIONS, useValue: options },
        RecordBatchWriter,
        DeadLetterPublisher,
        RecordSink,
        SinkHealthIndicator,
        SinkMetrics,
      ],
      exports: [RecordSink, SinkHealthIndicator, RecordBatchWriter],
    };
  }
}
