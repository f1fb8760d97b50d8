import { metricsAuthorized } from './metrics-token';

const TOKEN = 'metrics-token-0123456789';

describe(metricsAuthorized.name, () => {
  it.each([
    [undefined, undefined, true],
    ['anything', undefined, true],
    [`Bearer ${TOKEN}`, TOKEN, true],
    [`bearer ${TOKEN}`, TOKEN, true],
    [undefined, TOKEN, false],
    ['', TOKEN, false],
    [TOKEN, TOKEN, false],
    [`Bearer ${TOKEN}x`, TOKEN, false],
    [`Bearer ${TOKEN.slice(0, -1)}`, TOKEN, false],
    [`Basic ${TOKEN}`, TOKEN, false],
    [[`Bearer ${TOKEN}`, `Bearer ${TOKEN}`], TOKEN, false],
  ])('%j with token %j → %s', (header, token, expected) => {
    expect(metricsAuthorized(header, token)).toBe(expected);
  });
});
