import { BadGatewayException, GatewayTimeoutException, Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';

export type UpstreamApp = 'gateway' | 'vehicleConsumer' | 'locationConsumer';

export const UPSTREAM_NAMES: Record<UpstreamApp, string> = {
  gateway: 'ingest gateway',
  vehicleConsumer: 'vehicle consumer',
  locationConsumer: 'location consumer',
};

/** a forwarded answer larger than this is refused (a range page is at most 5,000 rows: a few MB) */
export const UPSTREAM_MAX_BYTES = 16 * 1024 * 1024;

export interface UpstreamAnswer {
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

/** the console's HTTP client for the other apps: one base URL each, a timeout and a size limit */
@Injectable()
export class UpstreamClient {
  constructor(private readonly config: AppConfig) {}

  url(app: UpstreamApp, path: string): string {
    return `${this.config.console.upstreams[app]}${path}`;
  }

  /** GET path (with its query) from app; 502 when it cannot be reached or answers too much, 504 when it is too slow */
  async get(
    app: UpstreamApp,
    path: string,
    headers: Record<string, string> = {},
    timeoutMs = this.config.console.upstreamTimeoutMs,
  ): Promise<UpstreamAnswer> {
    const name = UPSTREAM_NAMES[app];
    let res: Response;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      res = await fetch(this.url(app, path), { headers, signal, redirect: 'manual' });
    } catch {
      throw unreachable(name, timeoutMs, signal.aborted);
    }
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > UPSTREAM_MAX_BYTES) {
      await res.body?.cancel();
      throw tooLarge(name);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body ?? []) {
        size += (chunk as Uint8Array).byteLength;
        if (size > UPSTREAM_MAX_BYTES) {
          await res.body?.cancel();
          throw tooLarge(name);
        }
        chunks.push(Buffer.from(chunk as Uint8Array));
      }
    } catch (error) {
      if (error instanceof BadGatewayException) throw error;
      throw unreachable(name, timeoutMs, signal.aborted);
    }
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? undefined,
      body: Buffer.concat(chunks),
    };
  }
}

function unreachable(name: string, timeoutMs: number, timedOut: boolean): Error {
  return timedOut
    ? new GatewayTimeoutException(`the ${name} did not answer within ${timeoutMs} ms`)
    : new BadGatewayException(`the ${name} cannot be reached`);
}

function tooLarge(name: string): Error {
  return new BadGatewayException(
    `the ${name}'s answer is larger than ${UPSTREAM_MAX_BYTES} bytes: narrow the query`,
  );
}
