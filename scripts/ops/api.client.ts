/** the route is not served: an app older than the command, or a route still to come */
export class NotAvailableError extends Error {}

/** the app could not be reached; the message says why */
export class UnreachableError extends Error {}

/** the app answered with an error status; `message` is its error body's message */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A thin JSON client of one app's authenticated API: `Authorization: Bearer <query API key>`, a
 * 404 of the routing layer (no such route) told apart from a 404 of the route (no such thing), and
 * error bodies (libs/platform's one shape) turned into their message.
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly key: string | undefined,
    private readonly fetcher: typeof fetch = fetch,
  ) {}

  get<T>(
    path: string,
    query: Record<string, string | number | boolean | undefined> = {},
  ): Promise<T> {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) search.set(name, String(value));
    const suffix = search.size > 0 ? `?${search.toString()}` : '';
    return this.request<T>('GET', `${path}${suffix}`);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    let res: Response;
    try {
      res = await this.fetcher(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(this.key && { authorization: `Bearer ${this.key}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as { cause?: Error }).cause;
      throw new UnreachableError(
        `${method} ${url}: ${cause?.message ?? (error as Error).message} (is it running?)`,
        { cause: error },
      );
    }
    const text = await res.text();
    const parsed = parse(text);
    if (res.ok) return parsed as T;
    const message = errorMessage(parsed) ?? (text.slice(0, 200) || res.statusText);
    // fastify's own 404 for a path no route matches: "Cannot GET /v1/…"
    if (res.status === 404 && /^Cannot (GET|POST) /.test(message))
      throw new NotAvailableError(
        `${this.baseUrl} does not serve ${method} ${path.split('?')[0]} (not available yet on this version)`,
      );
    throw new ApiError(res.status, `${method} ${path}: ${res.status} ${message}`);
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorMessage(body: unknown): string | undefined {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}
