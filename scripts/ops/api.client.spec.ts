import { ApiClient, ApiError, NotAvailableError, UnreachableError } from './api.client';

/** a fetch that records what was asked and answers with `status` and `body` */
function fakeFetch(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetcher = (url: string, init?: RequestInit): Promise<Response> => {
    calls.push({ url, init: init ?? {} });
    return Promise.resolve(
      new Response(typeof body === 'string' ? body : JSON.stringify(body), { status }),
    );
  };
  return { calls, fetcher: fetcher as unknown as typeof fetch };
}

describe(ApiClient.name, () => {
  it('sends the bearer key and the query, leaving out what is not given', async () => {
    const { calls, fetcher } = fakeFetch(200, { items: [] });
    const sut = new ApiClient('http://127.0.0.1:3003', 'key-0123456789abcdef', fetcher);
    await expect(
      sut.get('/v1/dead-letters', { source: 'mobway', stage: undefined, q: 'a b&c' }),
    ).resolves.toEqual({ items: [] });
    expect(calls[0].url).toBe('http://127.0.0.1:3003/v1/dead-letters?source=mobway&q=a+b%26c');
    expect(calls[0].init.headers).toMatchObject({ authorization: 'Bearer key-0123456789abcdef' });
  });

  it('posts JSON', async () => {
    const { calls, fetcher } = fakeFetch(200, { results: [] });
    await new ApiClient('http://h', 'k', fetcher).post('/v1/dead-letters/redrive', { ids: ['1'] });
    expect(calls[0].init).toMatchObject({
      method: 'POST',
      body: '{"ids":["1"]}',
      headers: { 'content-type': 'application/json' },
    });
  });

  it('tells a route the app does not serve from a thing the route does not have', async () => {
    const missingRoute = fakeFetch(404, {
      status: 'error',
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /v1/completeness?source=x',
    });
    await expect(
      new ApiClient('http://h', 'k', missingRoute.fetcher).get('/v1/completeness'),
    ).rejects.toThrow(NotAvailableError);
    const missingThing = fakeFetch(404, { statusCode: 404, message: 'no dead letter 7' });
    const error = await new ApiClient('http://h', 'k', missingThing.fetcher)
      .get('/v1/dead-letters/7')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe('GET /v1/dead-letters/7: 404 no dead letter 7');
  });

  it('gives the error body message, or the start of a body that is not one', async () => {
    await expect(
      new ApiClient(
        'http://h',
        'k',
        fakeFetch(400, { message: 'source must be a source name' }).fetcher,
      ).get('/x'),
    ).rejects.toThrow('GET /x: 400 source must be a source name');
    await expect(
      new ApiClient('http://h', 'k', fakeFetch(502, '<html>bad gateway</html>').fetcher).get('/x'),
    ).rejects.toThrow('GET /x: 502 <html>bad gateway</html>');
  });

  it('says where it could not connect', async () => {
    const refused = (() =>
      Promise.reject(
        Object.assign(new TypeError('fetch failed'), { cause: new Error('connect ECONNREFUSED') }),
      )) as typeof fetch;
    const error = await new ApiClient('http://127.0.0.1:1', 'k', refused)
      .get('/x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toBe(
      'GET http://127.0.0.1:1/x: connect ECONNREFUSED (is it running?)',
    );
  });
});
