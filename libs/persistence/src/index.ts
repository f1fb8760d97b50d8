export * from './data-source';
export * from './persistence.module';
export * from './postgres.health';
export * from './record-tables';
export * from './record-batch.writer';
export * from './record-partitions';
export * from './record-partition.manager';
export * from './record-partition.scheduler';
