import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per source, taken after verification: one flooding sender runs out of its own
 * budget and gets 429 with Retry-After, while the others keep theirs.
 */
@Injectable()
export class SourceRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;

  constructor(config: AppConfig) {
    ({ perSecond: this.rate, burst: this.burst } = config.gateway.rateLimit);
  }

  /** undefined when allowed, else the seconds to wait */
  take(source: string, now = Date.now()): number | undefined {
    if (this.rate === 0) return undefined;
    const bucket = this.buckets.get(source) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.rate,
    );
    bucket.updatedAt = now;
    this.buckets.set(source, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate));
  }
}
