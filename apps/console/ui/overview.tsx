import { api, Completeness, Overview, query } from './api';
import { go } from './nav';
import { num, Section, Status, time, useLoad } from './ui';

const RECORD_TYPES = ['vehicle', 'location'] as const;

/** per source: the gateway's counters, the ledger's last hour, lag, the ledger with its flags, health */
export function OverviewPage() {
  const overview = useLoad(() => api<Overview>('/v1/console/overview'), [], 10_000);
  const ledgers = useLoad(
    () =>
      Promise.all(
        RECORD_TYPES.map((type) =>
          api<Completeness>(`/v1/completeness/${type}${query({})}`).then(
            (ledger) => ({ type, ledger, error: undefined }),
            (err: Error) => ({ type, ledger: undefined, error: err.message }),
          ),
        ),
      ),
    [],
    10_000,
  );
  const o = overview.data;
  const hourAgo = Date.now() - 3600_000;
  return (
    <>
      <h1>Overview</h1>
      <Status error={overview.error} loading={overview.loading && !o} />
      {o && (
        <Section title="Services">
          <table>
            <thead>
              <tr>
                <th>service</th>
                <th>health</th>
                <th>answered in</th>
                <th>where</th>
                <th>detail</th>
              </tr>
            </thead>
            <tbody>
              {o.services.map((s) => (
                <tr key={s.name}>
                  <td>{s.name}</td>
                  <td>
                    <span class={`pill ${s.status}`}>{s.status}</span>
                  </td>
                  <td>{s.ms} ms</td>
                  <td class="mono">{s.url}</td>
                  <td>{s.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
      <Section title="Last hour per source (completeness ledger, by receipt time)">
        <Status error={ledgers.error} loading={ledgers.loading && !ledgers.data} />
        {ledgers.data && (
          <table>
            <thead>
              <tr>
                <th>record type</th>
                <th>source</th>
                <th>requests</th>
                <th>readings</th>
                <th>accepted</th>
                <th>dead-lettered</th>
                <th>stored</th>
                <th>missing</th>
              </tr>
            </thead>
            <tbody>
              {ledgers.data.flatMap(({ type, ledger, error }) =>
                error !== undefined
                  ? [
                      <tr key={type}>
                        <td>{type}</td>
                        <td colSpan={7} class="error">
                          {error}
                        </td>
                      </tr>,
                    ]
                  : lastHour(ledger, hourAgo).map(([source, c]) => (
                      <tr key={`${type}-${source}`}>
                        <td>{type}</td>
                        <td>{source}</td>
                        <td>{num(c.requests)}</td>
                        <td>{num(c.readings)}</td>
                        <td>{num(c.accepted)}</td>
                        <td>{num(c.deadLettered)}</td>
                        <td>{num(c.stored)}</td>
                        <td class={c.missing > 0 ? 'bad' : ''}>{num(c.missing)}</td>
                      </tr>
                    )),
              )}
            </tbody>
          </table>
        )}
      </Section>
      {o && (
        <>
          <Section title="Dead letters in the last hour (by when they were rejected)">
            {o.deadLettersLastHour.counts.length === 0 ? (
              <p class="muted">none</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>source</th>
                    <th>stage</th>
                    <th>reason class</th>
                    <th>letters</th>
                  </tr>
                </thead>
                <tbody>
                  {o.deadLettersLastHour.counts.map((c) => (
                    <tr key={`${c.source}-${c.stage}-${c.reasonClass}`}>
                      <td>{c.source ?? '—'}</td>
                      <td>{c.stage ?? '—'}</td>
                      <td>{c.reasonClass}</td>
                      <td>
                        <a
                          href="#"
                          onClick={(e) => {
                            e.preventDefault();
                            go('dead-letters', {
                              ...(c.source ? { source: c.source } : {}),
                              ...(c.stage ? { stage: c.stage } : {}),
                              reason_class: c.reasonClass,
                              from: o.deadLettersLastHour.from,
                            });
                          }}
                        >
                          {num(c.count)}
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
          <Section title="Gateway since it started (its /metrics)">
            {o.gateway === null ? (
              <p class="muted">
                the gateway's /metrics cannot be read from the console (another METRICS_PORT, or the
                gateway is away)
              </p>
            ) : (
              <>
                <table>
                  <thead>
                    <tr>
                      <th>source</th>
                      <th>requests accepted</th>
                      <th>readings published</th>
                      <th>readings dead-lettered</th>
                    </tr>
                  </thead>
                  <tbody>
                    {Object.entries(o.gateway.sources).map(([source, c]) => (
                      <tr key={source}>
                        <td>{source}</td>
                        <td>{num(c.accepted)}</td>
                        <td>{num(c.published)}</td>
                        <td>{num(c.deadLettered)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <h3>Requests refused, by reason</h3>
                {o.gateway.rejected.length === 0 ? (
                  <p class="muted">none</p>
                ) : (
                  <table>
                    <thead>
                      <tr>
                        <th>reason</th>
                        <th>source</th>
                        <th>requests</th>
                      </tr>
                    </thead>
                    <tbody>
                      {o.gateway.rejected.map((r) => (
                        <tr key={`${r.reason}-${r.source}`}>
                          <td>{r.reason}</td>
                          <td>{r.source}</td>
                          <td>{num(r.count)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </>
            )}
          </Section>
          <Section title="Consumer lag (messages behind, summed over partitions)">
            <table>
              <thead>
                <tr>
                  <th>app</th>
                  <th>topic</th>
                  <th>lag</th>
                </tr>
              </thead>
              <tbody>
                {o.lag.map((l) => (
                  <tr key={`${l.app}-${l.topic}`}>
                    <td>{l.app}</td>
                    <td class="mono">{l.topic ?? '—'}</td>
                    <td>{l.lag === null ? 'its /metrics cannot be read' : num(l.lag)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        </>
      )}
      <Section title="Completeness ledger (last 24 h, by receipt time)">
        {ledgers.data?.map(({ type, ledger }) =>
          ledger === undefined ? null : (
            <div key={type}>
              <h3>
                {type} —{' '}
                {ledger.flagged === 0 ? (
                  'nothing flagged'
                ) : (
                  <span class="bad">{ledger.flagged} bucket(s) flagged</span>
                )}
              </h3>
              <table class="ledger">
                <thead>
                  <tr>
                    <th></th>
                    <th>bucket</th>
                    <th>source</th>
                    <th>received</th>
                    <th>requests</th>
                    <th>readings</th>
                    <th>accepted</th>
                    <th>dead-lettered</th>
                    <th>published</th>
                    <th>stored</th>
                    <th>missing</th>
                  </tr>
                </thead>
                <tbody>
                  {ledger.buckets.map((b) => (
                    <tr key={`${b.source}-${b.from}`} class={b.flagged ? 'flagged' : ''}>
                      <td
                        title={
                          b.flagged
                            ? 'flagged: readings missing'
                            : b.settled
                              ? 'settled'
                              : 'not settled yet'
                        }
                      >
                        {b.flagged ? '!' : b.settled ? '' : '~'}
                      </td>
                      <td>{time(b.from)}</td>
                      <td>{b.source}</td>
                      <td>{num(b.received)}</td>
                      <td>{num(b.requests)}</td>
                      <td>{num(b.readings)}</td>
                      <td>{num(b.accepted)}</td>
                      <td>{num(b.deadLettered)}</td>
                      <td>{num(b.published)}</td>
                      <td>{num(b.stored)}</td>
                      <td>{num(b.missing)}</td>
                    </tr>
                  ))}
                  {ledger.buckets.length === 0 && (
                    <tr>
                      <td colSpan={11} class="muted">
                        no traffic in the last 24 hours
                      </td>
                    </tr>
                  )}
                </tbody>
              </table>
            </div>
          ),
        )}
        <p class="muted">
          ! flagged (accepted readings not stored), ~ not settled yet. Replay a flagged bucket from
          the Replay page.
        </p>
      </Section>
    </>
  );
}

/** per source, the ledger's buckets that overlap the last hour, summed */
function lastHour(ledger: Completeness, since: number): [string, Completeness['totals']][] {
  const sums = new Map<string, Completeness['totals']>();
  for (const b of ledger.buckets) {
    if (new Date(b.to).getTime() <= since) continue;
    const s = sums.get(b.source) ?? {
      received: 0,
      requests: 0,
      readings: 0,
      accepted: 0,
      deadLettered: 0,
      untallied: 0,
      published: 0,
      stored: 0,
      missing: 0,
    };
    for (const k of Object.keys(s) as (keyof typeof s)[]) s[k] += b[k];
    sums.set(b.source, s);
  }
  return [...sums];
}
