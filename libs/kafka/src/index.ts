export * from './acls';
export * from './kafka.factory';
export * from './kafka.health';
export * from './kafka.module';
export * from './renewing-producer';
export * from './topics';
export * from './messages';
export * from './murmur2.partitioner';
