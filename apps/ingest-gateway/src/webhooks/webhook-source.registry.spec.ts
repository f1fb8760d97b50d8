import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/config';
import { TraccarNormalizer, WeguardNormalizer, MobwayNormalizer } from '@app/normalization';
import { WebhookSourceRegistry } from './webhook-source.registry';

const HMAC = 'registry-spec-hmac-secret-7c1e9a53b2f04d68';
const TOKEN = 'registry-spec-bearer-token-4f1d9c2b7e6a0358';

function buildSut(env: NodeJS.ProcessEnv): WebhookSourceRegistry {
  return new WebhookSourceRegistry(loadConfig('gateway', env));
}

describe(WebhookSourceRegistry.name, () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('serves the built-in sources and WEBHOOK_SOURCES alike, each with its normalizer', () => {
    const sut = buildSut({
      MOBWAY_SIGN_SECRET: HMAC,
      WEGUARD_SECRET: HMAC,
      WEBHOOK_SOURCES: JSON.stringify([
        { name: 'traccar', scheme: 'bearer-token', secrets: [TOKEN], normalizer: 'traccar' },
        { name: 'acme', scheme: 'github', secrets: [HMAC], records: 'location' },
      ]),
    });

    expect(sut.names()).toEqual(['mobway', 'weguard', 'traccar', 'acme']);
    expect(sut.find('mobway')).toMatchObject({ scheme: 'mobway', unfixable: 'acknowledge' });
    expect(sut.find('mobway')?.normalizer).toBeInstanceOf(MobwayNormalizer);
    expect(sut.find('weguard')?.normalizer).toBeInstanceOf(WeguardNormalizer);
    expect(sut.find('traccar')).toMatchObject({
      scheme: 'bearer-token',
      secrets: [TOKEN],
      unfixable: 'refuse',
    });
    expect(sut.find('traccar')?.normalizer).toBeInstanceOf(TraccarNormalizer);
    expect(sut.find('acme')?.normalizer).toBeInstanceOf(WeguardNormalizer);
  });

  it('does not serve a source without secrets, and says which variable to set', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');

    const sut = buildSut({
      WEBHOOK_SOURCES: JSON.stringify([
        { name: 'traccar', scheme: 'bearer-token', normalizer: 'traccar' },
      ]),
    });

    expect(sut.names()).toEqual([]);
    expect(sut.find('mobway')).toBeUndefined();
    expect(warn.mock.calls.map(([message]) => message as unknown)).toEqual([
      'source "mobway" is not served: MOBWAY_SIGN_SECRET is not set',
      'source "weguard" is not served: WEGUARD_SECRET is not set',
      'source "traccar" is not served: WEBHOOK_SOURCES[traccar].secrets is not set',
    ]);
  });

  it('knows no source by an inherited property name', () => {
    expect(buildSut({ MOBWAY_SIGN_SECRET: HMAC }).find('constructor')).toBeUndefined();
  });
});
