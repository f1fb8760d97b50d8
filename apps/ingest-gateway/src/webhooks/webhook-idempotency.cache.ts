import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { IngestResult } from './ingest-result.dto';

/** entries kept at most; when full the oldest go first, whatever their age */
export const IDEMPOTENCY_CACHE_MAX_ENTRIES = 100_000;
const MAX_ENTRIES = Symbol('IDEMPOTENCY_CACHE_MAX_ENTRIES');

interface Entry {
  expiresAt: number;
  result: Promise<IngestResult>;
}

/**
 * Signed requests seen within REPLAY_WINDOW_SECONDS: a repeat gets the first answer without being
 * published again (or charged to the source's rate limit, which the work does). The key is the
 * scheme's own id where it has one (Standard Webhooks `webhook-id`), else a hash of the exact body:
 * mobway, WeGuard and GitHub-style signatures carry no timestamp or id, so a captured request
 * verifies forever. Only successful answers stay; a failed run (503, 429, 4xx) is forgotten, so the
 * sender's retry runs again. Per process; across restarts and replicas the deterministic event ids
 * collapse repeats at the consumers instead.
 */
@Injectable()
export class WebhookIdempotencyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly windowMs: number;

  private readonly maxEntries: number;

  constructor(config: AppConfig, @Optional() @Inject(MAX_ENTRIES) maxEntries?: number) {
    this.windowMs = config.gateway.replayWindowSeconds * 1000;
    this.maxEntries = maxEntries ?? IDEMPOTENCY_CACHE_MAX_ENTRIES;
  }

  /** one key per signed request: source, then the scheme's id or the body's SHA-256 */
  keyOf(source: string, idempotencyKey: string | undefined, body: Buffer): string {
    // "\n" cannot occur in a source name or in a header value
    return idempotencyKey !== undefined
      ? `${source}\nid\n${idempotencyKey}`
      : `${source}\nsha256\n${createHash('sha256').update(body).digest('base64')}`;
  }

  /** the first answer to this key when it is still held (settled or in flight) */
  replayed(key: string, now = Date.now()): Promise<IngestResult> | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > now ? entry.result : undefined;
  }

  /** runs `work` once per key; concurrent and later repeats share its result; failures are forgotten so a retry runs again */
  run(key: string, work: () => Promise<IngestResult>, now = Date.now()): Promise<IngestResult> {
    if (this.windowMs === 0) return work();
    const existing = this.replayed(key, now);
    if (existing) return existing;
    // an expired entry under this key goes, so the new one is last in insertion order
    this.entries.delete(key);
    this.evict(now);
    const result = work();
    const entry = { expiresAt: now + this.windowMs, result };
    this.entries.set(key, entry);
    result.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return result;
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(now: number): void {
    // a Map iterates in insertion order and every entry lives as long: the oldest come first
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now && this.entries.size < this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
