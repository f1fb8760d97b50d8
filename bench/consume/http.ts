import { Agent, request } from 'node:http';

export interface HttpResult {
  status: number;
  body: Buffer;
  /** request written → whole body received */
  ms: number;
}

/**
 * A minimal keep-alive HTTP/1.1 client on node:http: cheaper per request than fetch, which
 * matters on a 2-core machine where the load generator shares CPU with everything it measures.
 */
export class HttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly host: string,
    readonly port: number,
    maxSockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  get(path: string, headers: Record<string, string> = {}, timeoutMs = 60_000): Promise<HttpResult> {
    return this.send('GET', path, headers, undefined, timeoutMs);
  }

  post(
    path: string,
    body: Buffer,
    headers: Record<string, string>,
    timeoutMs = 30_000,
  ): Promise<HttpResult> {
    return this.send(
      'POST',
      path,
      { ...headers, 'content-length': String(body.length) },
      body,
      timeoutMs,
    );
  }

  close(): void {
    this.agent.destroy();
  }

  private send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    timeoutMs: number,
  ): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = request(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks),
              ms: performance.now() - started,
            }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () =>
        req.destroy(new Error(`${method} ${path.slice(0, 60)}: no answer within ${timeoutMs} ms`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
