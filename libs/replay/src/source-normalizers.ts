import type { WebhookSourceConfig } from '@app/config';
import { NORMALIZERS, RecordNormalizer } from '@app/normalization';
import type { RawRequest } from './raw-request';

/**
 * Which of today's normalizers reads a source's archived bodies: the one the gateway named on the
 * raw message (header `normalizer`), else the one the source is configured with now. A source need
 * not have secrets to be replayed: the bodies were verified when they came in.
 */
export class SourceNormalizers {
  private readonly configured = new Map<string, string>();

  constructor(
    sources: readonly Pick<WebhookSourceConfig, 'name' | 'normalizer'>[],
    private readonly registry: Readonly<Record<string, RecordNormalizer>> = NORMALIZERS,
  ) {
    for (const { name, normalizer } of sources) this.configured.set(name, normalizer);
  }

  has(source: string): boolean {
    return this.configured.has(source);
  }

  names(): string[] {
    return [...this.configured.keys()];
  }

  /** undefined when neither the message nor the configuration names a registered normalizer */
  for(request: Pick<RawRequest, 'source' | 'normalizer'>): RecordNormalizer | undefined {
    const named = request.normalizer;
    if (named !== undefined && Object.hasOwn(this.registry, named)) return this.registry[named];
    const configured =
      request.source === undefined ? undefined : this.configured.get(request.source);
    return configured !== undefined && Object.hasOwn(this.registry, configured)
      ? this.registry[configured]
      : undefined;
  }
}
