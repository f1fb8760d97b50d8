export * from './data-source';
export * from './persistence.module';
export * from './postgres.health';
export * from './record-tables';
export * from './record-batch.writer';
