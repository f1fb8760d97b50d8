export * from './dead-letter.metrics';
export * from './dead-letter.reasons';
export * from './metrics-token';
export * from './metrics.module';
export * from './metrics.registry';
