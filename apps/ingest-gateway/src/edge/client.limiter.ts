import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

interface ClientState {
  requests: Bucket;
  rejected: Bucket;
  bodyReads: number;
  seenAt: number;
  /** told to come back at this time (Retry-After); connections before it are closed on accept */
  shutUntil: number;
  /** when a request of this client last passed verification */
  verifiedAt: number;
}

export type EdgeRejection = 'client-rate' | 'client-rejected' | 'client-body-reads' | 'busy';

export interface Refusal {
  status: 429 | 503;
  reason: EdgeRejection;
  retryAfterSeconds: number;
}

/** clients idle this long are forgotten (their buckets have refilled by then) */
const IDLE_MS = 60_000;
/**
 * a client that sent a verified request this recently is a known sender: the cap on bodies all
 * clients receive at once does not apply to it (its own cap does), so strangers filling that cap
 * from many addresses cannot starve the senders that hold a secret
 */
const VERIFIED_MS = 10 * 60_000;
/** past this many clients, the longest-known idle ones are forgotten first */
const MAX_CLIENTS = 100_000;

/**
 * What one client address may do before a byte of its body is read: a request rate, a rate of
 * rejected requests (past which its requests are refused unread), and how many bodies it may be
 * sending at once; plus how many bodies all clients together may be sending. Costs a map lookup.
 */
@Injectable()
export class ClientLimiter {
  private readonly clients = new Map<string, ClientState>();
  private bodyReads = 0;
  private readonly edge: AppConfig['gateway']['edge'];
  private readonly retryAfterSeconds: number;

  constructor(config: AppConfig) {
    this.edge = config.gateway.edge;
    this.retryAfterSeconds = config.gateway.retryAfterSeconds;
  }

  /** undefined when admitted (and, with a body, counted until release); else why not */
  admit(key: string, withBody: boolean, now = Date.now()): Refusal | undefined {
    const client = this.stateOf(key, now);
    const { clientRate, clientRejected } = this.edge;
    if (clientRejected.perSecond > 0 && refill(client.rejected, clientRejected, now) < 1)
      return this.shut(
        client,
        'client-rejected',
        waitFor(client.rejected, clientRejected.perSecond),
        now,
      );
    if (clientRate.perSecond > 0) {
      if (refill(client.requests, clientRate, now) < 1)
        return this.shut(
          client,
          'client-rate',
          waitFor(client.requests, clientRate.perSecond),
          now,
        );
      client.requests.tokens -= 1;
    }
    if (!withBody) return undefined;
    if (client.bodyReads >= this.edge.clientMaxBodyReads)
      return { status: 429, reason: 'client-body-reads', retryAfterSeconds: 1 };
    if (this.bodyReads >= this.edge.maxBodyReads && now - client.verifiedAt >= VERIFIED_MS)
      return { status: 503, reason: 'busy', retryAfterSeconds: this.retryAfterSeconds };
    client.bodyReads++;
    this.bodyReads++;
    return undefined;
  }

  /** whether the client was told to retry later and is back before its time */
  isShut(key: string, now = Date.now()): boolean {
    const client = this.clients.get(key);
    return client !== undefined && client.shutUntil > now;
  }

  /** the body admitted for this client has been read (or abandoned) */
  release(key: string): void {
    const client = this.clients.get(key);
    if (client && client.bodyReads > 0) client.bodyReads--;
    if (this.bodyReads > 0) this.bodyReads--;
  }

  /** the client's request was refused as unauthenticated, unknown, malformed, oversized or too slow */
  rejected(key: string, now = Date.now()): void {
    if (this.edge.clientRejected.perSecond === 0) return;
    const client = this.stateOf(key, now);
    client.rejected.tokens = Math.max(
      0,
      refill(client.rejected, this.edge.clientRejected, now) - 1,
    );
  }

  /** a request of this client passed verification */
  verified(key: string, now = Date.now()): void {
    this.stateOf(key, now).verifiedAt = now;
  }

  get activeBodyReads(): number {
    return this.bodyReads;
  }

  get knownClients(): number {
    return this.clients.size;
  }

  /** forgets idle clients; called from a timer */
  sweep(now = Date.now()): void {
    for (const [key, client] of this.clients)
      if (
        client.bodyReads === 0 &&
        now - client.seenAt >= IDLE_MS &&
        now - client.verifiedAt >= VERIFIED_MS
      )
        this.clients.delete(key);
  }

  private shut(
    client: ClientState,
    reason: EdgeRejection,
    retryAfterSeconds: number,
    now: number,
  ): Refusal {
    client.shutUntil = now + retryAfterSeconds * 1000;
    return { status: 429, reason, retryAfterSeconds };
  }

  private stateOf(key: string, now: number): ClientState {
    let client = this.clients.get(key);
    if (!client) {
      if (this.clients.size >= MAX_CLIENTS) this.evict(now);
      const { clientRate, clientRejected } = this.edge;
      client = {
        requests: { tokens: clientRate.burst, updatedAt: now },
        rejected: { tokens: clientRejected.burst, updatedAt: now },
        bodyReads: 0,
        seenAt: now,
        shutUntil: 0,
        verifiedAt: -Infinity,
      };
      this.clients.set(key, client);
    }
    client.seenAt = now;
    return client;
  }

  private evict(now: number): void {
    this.sweep(now);
    let excess = this.clients.size - MAX_CLIENTS * 0.9;
    for (const [key, client] of this.clients) {
      if (excess <= 0) break;
      if (client.bodyReads > 0) continue;
      this.clients.delete(key);
      excess--;
    }
  }
}

function refill(
  bucket: Bucket,
  { perSecond, burst }: { perSecond: number; burst: number },
  now: number,
): number {
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond);
  bucket.updatedAt = now;
  return bucket.tokens;
}

function waitFor(bucket: Bucket, perSecond: number): number {
  return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
}
