import 'reflect-metadata';
import { bootstrap } from '@app/platform';
import { setupQueryDocs } from '@app/query';
import { CONSOLE_API_DESCRIPTION } from './console.docs';
import { ConsoleModule } from './console.module';

void bootstrap({
  name: 'console',
  role: 'console',
  port: (config) => config.ports.console,
  module: (config) => ConsoleModule.forRoot(config),
  configure: (app) =>
    setupQueryDocs(app, { title: 'console API', description: CONSOLE_API_DESCRIPTION }),
});
