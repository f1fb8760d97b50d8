export * from './data-source';
export * from './persistence.module';
export * from './postgres.health';
export * from './record-tables';
