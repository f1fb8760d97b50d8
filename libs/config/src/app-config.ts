import type { RecordType } from '@app/contracts';
import type { SchemeName } from '@app/verification';

export type Role = 'gateway' | 'consumer' | 'launcher';

export interface GenericSourceConfig {
  name: string;
  scheme: SchemeName;
  secrets: string[];
  records: RecordType;
}

/** typed configuration, built once from the validated environment */
export class AppConfig {
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  logFormat: 'text' | 'json';
  host: string;
  ports: { gateway: number; vehicleConsumer: number; locationConsumer: number };
  kafka: { brokers: string[]; clientId: string; partitions: number; replicationFactor: number; external: boolean };
  database: { url: string; poolSize: number; external: boolean };
  gateway: {
    bodyLimitBytes: number;
    maxReadingsPerRequest: number;
    replayWindowSeconds: number;
    mobwaySecrets: string[];
    weguardSecrets: string[];
    sources: GenericSourceConfig[];
    publish: { lingerMs: number; maxBatchRecords: number; maxBatchBytes: number; timeoutMs: number; producers: number };
    retryAfterSeconds: number;
    rateLimit: { perSecond: number; burst: number };
  };
  query: { apiKeys: string[]; vehicleDataMaxWindowDays: number };
  consumer: { maxBatch: number };
  local: { dataDir: string; postgresPort: number; kafkaPort: number; kafkaControllerPort: number; kafkaHeap: string; postgresSharedBuffers?: string; controlPort: number };
}
