export * from './backoff';
export * from './dead-letter.publisher';
export * from './record.decoder';
export * from './record.sink';
export * from './sink.health';
export * from './sink.module';
export * from './sink.options';
export * from './record.tally';
