export * from './asyncapi.controller';
export * from './bootstrap';
export * from './error-response.dto';
export * from './health.controller';
export * from './http-error.filter';
