import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/config';
import { RejectionAggregator } from './rejection.aggregator';

describe(RejectionAggregator.name, () => {
  let sut: RejectionAggregator;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    sut = new RejectionAggregator(loadConfig('gateway', { REJECTION_LOG_INTERVAL_MS: '10000' }));
  });
  afterEach(() => {
    sut.onModuleDestroy();
    warn.mockRestore();
  });

  it('logs one line per interval with counts per source and reason, largest first, and the top clients', () => {
    for (let i = 0; i < 6740; i++) sut.record('mobway', 'signature mismatch', `10.0.0.${i % 5}`);
    for (let i = 0; i < 12; i++) sut.record('-', 'client-rejected', '10.0.0.9');
    sut.record('acme', 'webhook-timestamp outside tolerance', '10.0.0.9');
    expect(warn).not.toHaveBeenCalled();
    const line = sut.flush();
    expect(line).toBe(
      'rejected in last 10s: mobway/signature-mismatch=6740, -/client-rejected=12, acme/webhook-timestamp-outside-tolerance=1; top clients: 10.0.0.0=1348, 10.0.0.1=1348, 10.0.0.2=1348 (+3 more)',
    );
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(line);
  });

  it('says nothing for a quiet interval and starts each interval from zero', () => {
    sut.record('weguard', 'signature mismatch', '10.0.0.1');
    sut.flush();
    expect(sut.flush()).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('keeps a bounded number of distinct keys, whatever the clients', () => {
    for (let i = 0; i < 5000; i++) sut.record('-', 'client-rate', `client-${i}`);
    expect(sut.flush()).toMatch(
      /-\/client-rate=5000; top clients: other=4000, client-0=1, client-1=1 \(\+998 more\)$/,
    );
  });
});
