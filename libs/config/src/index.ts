export * from './app-config';
export * from './built-in-sources';
export * from './config.module';
export * from './env.dto';
export * from './load-config';
