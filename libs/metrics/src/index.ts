export * from './cluster-metrics';
export * from './dead-letter.metrics';
export * from './label-children';
export * from './metrics-token';
export * from './metrics.module';
export * from './metrics.registry';
