import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, Role } from './app-config';
import { loadConfig } from './load-config';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(role: Role, config: AppConfig = loadConfig(role)): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
