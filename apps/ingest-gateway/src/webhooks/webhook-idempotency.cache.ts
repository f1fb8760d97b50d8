import { Injectable } from '@nestjs/common';
import { STANDARD_WEBHOOKS_TOLERANCE_SECONDS } from '@app/verification';
import { IngestResult } from './ingest-result.dto';

const MAX_ENTRIES = 100_000;

/**
 * Standard Webhooks ids seen inside the signature tolerance window: a repeat gets the first
 * answer without publishing again. Per process; across restarts and replicas the deterministic
 * event ids collapse repeats at the consumers instead.
 */
@Injectable()
export class WebhookIdempotencyCache {
  private readonly entries = new Map<string, { expiresAt: number; result: Promise<IngestResult> }>();
  private readonly ttlMs = 2 * STANDARD_WEBHOOKS_TOLERANCE_SECONDS * 1000;

  /** runs `work` once per key; concurrent and later repeats share its result; failures are forgotten so a retry runs again */
  run(key: string | undefined, work: () => Promise<IngestResult>, now = Date.now()): Promise<IngestResult> {
    if (!key) return work();
    const existing = this.entries.get(key);
    if (existing && existing.expiresAt > now) return existing.result;
    this.evict(now);
    const result = work();
    this.entries.set(key, { expiresAt: now + this.ttlMs, result });
    result.catch(() => this.entries.delete(key));
    return result;
  }

  private evict(now: number): void {
    // a Map iterates in insertion order: the oldest entries come first
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now && this.entries.size < MAX_ENTRIES) break;
      this.entries.delete(key);
    }
  }
}
