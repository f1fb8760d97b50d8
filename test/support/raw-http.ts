import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/**
 * One HTTP/1.1 exchange written byte by byte, so a test can send what fetch refuses to: duplicated
 * or oversized headers, a wrong content-length, invalid bytes, a body that trickles in.
 * status 0 means the server closed the connection without an answer.
 */
export function rawRequest(
  port: number,
  head: string,
  body: Buffer = Buffer.alloc(0),
  options: { chunkDelayMs?: number; chunks?: number; timeoutMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const text = Buffer.concat(received).toString('latin1');
      const [headPart, ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headPart)?.[1] ?? 0);
      resolve({ status, head: headPart, body: rest.join('\r\n\r\n') });
      socket.destroy();
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 15_000);
    socket.on('data', (chunk) => {
      received.push(chunk);
      // one response per connection: stop once the declared body is in
      const text = Buffer.concat(received).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text.slice(0, end));
      if (
        end >= 0 &&
        length &&
        Buffer.byteLength(text.slice(end + 4), 'latin1') >= Number(length[1])
      )
        finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    const send = async (): Promise<void> => {
      socket.write(head);
      const chunks = options.chunks ?? 1;
      const size = Math.ceil(body.length / chunks) || 1;
      for (let offset = 0; offset < body.length; offset += size) {
        if (socket.destroyed) return;
        socket.write(body.subarray(offset, offset + size));
        if (options.chunkDelayMs) await new Promise((r) => setTimeout(r, options.chunkDelayMs));
      }
    };
    socket.on('connect', () => void send());
  });
}

/** the request line and headers; `headers` may repeat a name */
export function httpHead(method: string, path: string, headers: [string, string][]): string {
  return `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}
