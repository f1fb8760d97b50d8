import { senderEnv } from './dev-env';

describe('the variables npm run send uses', () => {
  const dev = { MOBWAY_SIGN_SECRET: 'from-env-local', WEGUARD_SECRET: 'weguard-from-env-local' };

  it("takes the running launcher's over its own shell's and .env.local's", () => {
    const sut = senderEnv(
      { MOBWAY_SIGN_SECRET: 'from-this-shell', GATEWAY_PORT: '3000' },
      { MOBWAY_SIGN_SECRET: 'from-the-launcher', GATEWAY_PORT: '25100' },
      dev,
    );
    expect(sut).toMatchObject({
      MOBWAY_SIGN_SECRET: 'from-the-launcher',
      GATEWAY_PORT: '25100',
      WEGUARD_SECRET: 'weguard-from-env-local',
    });
  });

  it('counts a variable and its _FILE form as one', () => {
    const sut = senderEnv(
      { MOBWAY_SIGN_SECRET: 'from-this-shell' },
      { MOBWAY_SIGN_SECRET_FILE: '/run/secrets/mobway' },
      dev,
    );
    expect(sut.MOBWAY_SIGN_SECRET).toBeUndefined();
    expect(sut.MOBWAY_SIGN_SECRET_FILE).toBe('/run/secrets/mobway');
  });

  it('falls back to its own shell, then .env.local, when no launcher runs', () => {
    const sut = senderEnv({ MOBWAY_SIGN_SECRET: 'from-this-shell' }, undefined, dev);
    expect(sut).toMatchObject({
      MOBWAY_SIGN_SECRET: 'from-this-shell',
      WEGUARD_SECRET: 'weguard-from-env-local',
    });
  });
});
