import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import type { RecordType } from '@app/contracts';
import type { SchemeName } from '@app/verification';

/** a sender we accept webhooks from: data, not a class per sender */
export interface WebhookSource {
  name: string;
  scheme: SchemeName;
  secrets: readonly string[];
  records: RecordType;
  /**
   * what an authenticated request gets for a problem that retrying cannot fix: a body that is not
   * JSON, more readings than MAX_READINGS_PER_REQUEST, records Kafka refuses. mobway retries every
   * non-200 and then interrupts delivery for the whole account, so for it ('acknowledge') what
   * cannot be processed goes to the dead-letter topic and the answer is 200; everyone else
   * ('refuse') gets a 4xx that names the problem (400, 413, 422).
   */
  unfixable: 'acknowledge' | 'refuse';
}

@Injectable()
export class WebhookSourceRegistry {
  private readonly logger = new Logger(WebhookSourceRegistry.name);
  private readonly sources = new Map<string, WebhookSource>();

  constructor(config: AppConfig) {
    const { mobwaySecrets, weguardSecrets, sources } = config.gateway;
    const all: (WebhookSource & { secretVariable: string })[] = [
      {
        name: 'mobway',
        scheme: 'mobway',
        secrets: mobwaySecrets,
        records: 'vehicle',
        unfixable: 'acknowledge',
        secretVariable: 'MOBWAY_SIGN_SECRET',
      },
      {
        name: 'weguard',
        scheme: 'weguard',
        secrets: weguardSecrets,
        records: 'location',
        unfixable: 'refuse',
        secretVariable: 'WEGUARD_SECRET',
      },
      ...sources.map((s) => ({
        ...s,
        unfixable: 'refuse' as const,
        secretVariable: `WEBHOOK_SOURCES[${s.name}].secrets`,
      })),
    ];
    for (const { secretVariable, ...source } of all) {
      // never served unverified: a source without a secret does not exist
      if (source.secrets.length === 0) {
        this.logger.warn(`source "${source.name}" is not served: ${secretVariable} is not set`);
        continue;
      }
      this.sources.set(source.name, source);
      const rotation =
        source.secrets.length > 1 ? ` (${source.secrets.length} secrets: key rotation)` : '';
      this.logger.log(
        `source "${source.name}": ${source.scheme} signatures, ${source.records} records${rotation}`,
      );
    }
  }

  find(name: string): WebhookSource | undefined {
    return this.sources.get(name);
  }

  names(): string[] {
    return [...this.sources.keys()];
  }
}
