export * from './dev-env';
export * from './kafka-broker';
export * from './local-stack';
export * from './managed-process';
export * from './postgres-server';
export * from './project-root';
