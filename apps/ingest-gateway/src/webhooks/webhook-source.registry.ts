import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, UnfixablePolicy } from '@app/config';
import { NormalizerName, normalizerNamed, RecordNormalizer } from '@app/normalization';
import type { SchemeName } from '@app/verification';

/** a sender we accept webhooks from: data, not a class per sender */
export interface WebhookSource {
  name: string;
  scheme: SchemeName;
  secrets: readonly string[];
  /** reads the sender's body shape into records */
  normalizer: RecordNormalizer;
  /** its name in NORMALIZERS, on the raw archive's messages */
  normalizerName: NormalizerName;
  /** see UnfixablePolicy: 'acknowledge' (mobway) answers 200 and dead-letters, 'refuse' a 4xx */
  unfixable: UnfixablePolicy;
}

/** the configured sources (built in, then WEBHOOK_SOURCES) that have secrets, by name */
@Injectable()
export class WebhookSourceRegistry {
  private readonly logger = new Logger(WebhookSourceRegistry.name);
  private readonly sources = new Map<string, WebhookSource>();

  constructor(config: AppConfig) {
    for (const { secretsFrom, normalizer, ...source } of config.gateway.sources) {
      // never served unverified: a source without a secret does not exist
      if (source.secrets.length === 0) {
        this.logger.warn(`source "${source.name}" is not served: ${secretsFrom} is not set`);
        continue;
      }
      const read = normalizerNamed(normalizer);
      this.sources.set(source.name, { ...source, normalizer: read, normalizerName: normalizer });
      const rotation =
        source.secrets.length > 1 ? ` (${source.secrets.length} secrets: key rotation)` : '';
      this.logger.log(
        `source "${source.name}": ${source.scheme} signatures, ${normalizer} bodies into ${read.recordType} records${rotation}`,
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
