import { STATUS_CODES } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import { AppConfig } from '@app/config';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { clientKey } from './client-key';
import { ClientLimiter } from './client.limiter';
import { RejectionAggregator } from './rejection.aggregator';

interface BodyRead {
  key: string;
  socket: Socket;
  windowStartedAt: number;
  windowStartBytes: number;
  done: boolean;
}

interface GatedRequest extends FastifyRequest {
  edgeKey?: string;
  bodyRead?: BodyRead;
  /** set by SignatureVerifier once the sender is verified */
  webhookSource?: unknown;
}

const TIMED_OUT_BODY =
  '{"status":"error","statusCode":408,"error":"Request Timeout","message":"request body arrived too slowly"}';
const TIMED_OUT = `HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${TIMED_OUT_BODY.length}\r\n\r\n${TIMED_OUT_BODY}`;

const CLIENT_ERRORS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'request-timeout',
  HPE_HEADER_OVERFLOW: 'headers-too-large',
};

/**
 * The gateway's edge, in front of routing and verification: every request is admitted or refused
 * by its client's limits before a byte of its body is read, and bodies that trickle in slower than
 * the minimum rate are cut. Unauthenticated traffic costs a map lookup and a short answer.
 */
@Injectable()
export class EdgeGate implements OnModuleDestroy {
  private readonly reads = new Set<BodyRead>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly edge: AppConfig['gateway']['edge'];
  private readonly trustProxy: AppConfig['trustProxy'];
  private clientSweepAt = 0;

  constructor(
    config: AppConfig,
    private readonly limiter: ClientLimiter,
    private readonly rejections: RejectionAggregator,
    private readonly metrics: GatewayMetrics,
  ) {
    this.edge = config.gateway.edge;
    this.trustProxy = config.trustProxy;
    this.sweeper = setInterval(
      () => this.sweep(),
      Math.min(1000, Math.max(100, this.edge.bodyRateWindowMs / 4)),
    ).unref();
  }

  install(fastify: FastifyInstance): void {
    fastify.addHook(
      'onRequest',
      (req: GatedRequest, reply: FastifyReply, done: HookHandlerDoneFunction) =>
        this.admit(req, reply, done),
    );
    fastify.addHook(
      'preValidation',
      (req: GatedRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
        this.bodyDone(req.bodyRead);
        done();
      },
    );
    fastify.addHook(
      'onResponse',
      (req: GatedRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
        this.bodyDone(req.bodyRead);
        const status = reply.statusCode;
        if (req.edgeKey !== undefined && req.webhookSource !== undefined)
          this.limiter.verified(req.edgeKey);
        // a verified sender's 4xx (its own bad JSON) is not held against its address
        if (
          req.edgeKey !== undefined &&
          status >= 400 &&
          status < 500 &&
          status !== 429 &&
          req.webhookSource === undefined
        )
          this.limiter.rejected(req.edgeKey);
        done();
      },
    );
    // without a proxy in front the socket's address is the client's: one told to retry later that
    // is back before its time is disconnected on accept, before node parses a byte
    if (this.trustProxy === false)
      fastify.server.prependListener('connection', (socket: Socket) => {
        const key = clientKey(socket.remoteAddress ?? '-');
        if (!this.limiter.isShut(key)) return;
        socket.destroy();
        this.refused('client-shut', key);
      });
    fastify.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      // a client that went away is no rejection
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return;
      const key = clientKey(socket.remoteAddress ?? '-');
      this.limiter.rejected(key);
      this.refused(
        CLIENT_ERRORS[error.code ?? ''] ?? `bad-http-${(error.code ?? 'unknown').toLowerCase()}`,
        key,
      );
    });
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private admit(req: GatedRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const key = clientKey(req.ip);
    const raw: IncomingMessage = req.raw;
    const withBody =
      raw.headers['transfer-encoding'] !== undefined ||
      (raw.headers['content-length'] !== undefined && raw.headers['content-length'] !== '0');
    const refusal = this.limiter.admit(key, withBody);
    if (refusal) {
      this.refused(refusal.reason, key);
      // the body stays unread: once the answer is out the socket goes, rather than node draining up
      // to a whole body (a client still writing may see the reset before the answer). Pausing the
      // socket instead left node to parse the unread body as the next request.
      const socket = req.raw.socket;
      // (light-my-request's stand-in socket in tests is no net.Socket)
      if (socket instanceof Socket) reply.raw.once('finish', () => socket.destroy());
      void reply
        .code(refusal.status)
        .header('retry-after', String(refusal.retryAfterSeconds))
        .header('connection', 'close')
        .send({
          status: 'error',
          statusCode: refusal.status,
          error: STATUS_CODES[refusal.status],
          message: MESSAGES[refusal.reason],
        });
      return;
    }
    req.edgeKey = key;
    if (withBody) {
      const read: BodyRead = {
        key,
        socket: raw.socket,
        windowStartedAt: Date.now(),
        windowStartBytes: raw.socket.bytesRead,
        done: false,
      };
      req.bodyRead = read;
      this.reads.add(read);
      raw.once('close', () => this.bodyDone(read));
    }
    done();
  }

  private bodyDone(read: BodyRead | undefined): void {
    if (!read || read.done) return;
    read.done = true;
    this.reads.delete(read);
    this.limiter.release(read.key);
  }

  private refused(reason: string, key: string): void {
    this.rejections.record('-', reason, key);
    this.metrics.edgeRejected(reason);
  }

  /** cuts bodies slower than the minimum rate over the last window; forgets idle clients */
  private sweep(now = Date.now()): void {
    const { bodyRateWindowMs, bodyMinBytesPerSecond } = this.edge;
    for (const read of this.reads) {
      if (read.socket.destroyed) {
        this.bodyDone(read);
        continue;
      }
      const elapsed = now - read.windowStartedAt;
      if (elapsed < bodyRateWindowMs) continue;
      const bytes = read.socket.bytesRead - read.windowStartBytes;
      if (bytes >= (bodyMinBytesPerSecond * elapsed) / 1000) {
        read.windowStartedAt = now;
        read.windowStartBytes = read.socket.bytesRead;
        continue;
      }
      this.bodyDone(read);
      this.limiter.rejected(read.key);
      this.refused('body-too-slow', read.key);
      read.socket.write(TIMED_OUT, () => read.socket.destroy());
      read.socket.setTimeout(1000, () => read.socket.destroy());
    }
    if (now >= this.clientSweepAt) {
      this.clientSweepAt = now + 10_000;
      this.limiter.sweep(now);
    }
  }
}

const MESSAGES: Record<string, string> = {
  'client-rate': 'too many requests from this address',
  'client-rejected': 'too many rejected requests from this address',
  'client-body-reads': 'too many bodies in progress from this address',
  busy: 'too many bodies in progress; retry later',
};
