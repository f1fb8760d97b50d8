import { useState } from 'preact/hooks';
import { api, Page, ReplayJob } from './api';
import { go } from './nav';
import { fromInput, num, Section, Status, time, toInput, useLoad } from './ui';

const ENDED = new Set(['done', 'failed', 'cancelled']);

/** start a replay of a source's receipt window; follow one (polling /v1/replays/:id) and its summary */
export function ReplayPage({ params }: { params: URLSearchParams }) {
  const id = params.get('id');
  const now = Date.now();
  const [form, setForm] = useState({
    source: params.get('source') ?? '',
    from: params.get('from') ?? new Date(now - 3600_000).toISOString(),
    to: params.get('to') ?? new Date(now).toISOString(),
    dryRun: false,
  });
  const [error, setError] = useState<string>();
  const recent = useLoad(
    () => api<{ items: ReplayJob[] } & Partial<Page<ReplayJob>>>('/v1/replays?limit=10'),
    [id],
    5000,
  );
  const start = async (e: Event) => {
    e.preventDefault();
    try {
      const job = await api<ReplayJob>('/v1/replays', { method: 'POST', body: form });
      setError(undefined);
      go('replay', { id: job.id });
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <>
      <h1>Replay</h1>
      <p class="muted">
        Re-reads the raw archive for the requests a source sent that the gateway received in the
        window, normalizes them with today's normalizer and publishes their records (stored once by
        event id) and dead letters.
      </p>
      <form class="filters" onSubmit={(e) => void start(e)}>
        <label>
          source
          <input
            name="source"
            value={form.source}
            onInput={(e) => setForm({ ...form, source: e.currentTarget.value })}
            required
          />
        </label>
        <label>
          received from (UTC)
          <input
            type="datetime-local"
            name="from"
            value={toInput(form.from)}
            onInput={(e) =>
              setForm({ ...form, from: fromInput(e.currentTarget.value) ?? form.from })
            }
          />
        </label>
        <label>
          to (UTC)
          <input
            type="datetime-local"
            name="to"
            value={toInput(form.to)}
            onInput={(e) => setForm({ ...form, to: fromInput(e.currentTarget.value) ?? form.to })}
          />
        </label>
        <label class="inline">
          <input
            type="checkbox"
            name="dryRun"
            checked={form.dryRun}
            onChange={(e) => setForm({ ...form, dryRun: e.currentTarget.checked })}
          />{' '}
          dry run
        </label>
        <button type="submit">Start replay</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {id && <Job key={id} id={id} onEnded={() => void recent.reload()} />}
      <Section title="Recent replays">
        <Status error={recent.error} loading={recent.loading && !recent.data} />
        <table>
          <thead>
            <tr>
              <th>id</th>
              <th>source</th>
              <th>window (received)</th>
              <th>status</th>
              <th>read</th>
              <th>records</th>
            </tr>
          </thead>
          <tbody>
            {recent.data?.items.map((j) => (
              <tr key={j.id}>
                <td>
                  <a href={`#/replay?id=${j.id}`} class="mono">
                    {j.id.slice(0, 8)}
                  </a>
                </td>
                <td>{j.source}</td>
                <td>
                  {time(j.from)} → {time(j.to)}
                  {j.dryRun ? ' (dry run)' : ''}
                </td>
                <td>
                  <span class={`pill ${j.status}`}>{j.status}</span>
                </td>
                <td>{Math.round(j.progress.fraction * 100)} %</td>
                <td>{num(j.summary.records)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </>
  );
}

function Job({ id, onEnded }: { id: string; onEnded: () => void }) {
  const [ended, setEnded] = useState(false);
  const job = useLoad(
    async () => {
      const j = await api<ReplayJob>(`/v1/replays/${id}`);
      if (ENDED.has(j.status) && !ended) {
        setEnded(true);
        onEnded();
      }
      return j;
    },
    [id, ended],
    ended ? undefined : 1000,
  );
  const j = job.data;
  return (
    <Section title={`Replay ${id}`}>
      <Status error={job.error} loading={!j} />
      {j && (
        <div class="job" data-status={j.status}>
          <p>
            <span class={`pill ${j.status}`}>{j.status}</span> {j.source}, received {time(j.from)} →{' '}
            {time(j.to)}
            {j.dryRun ? ' (dry run)' : ''}
          </p>
          <progress max={1} value={j.progress.fraction} /> {Math.round(j.progress.fraction * 100)} %
          read
          {j.error && <p class="error">{j.error}</p>}
          <dl class="summary">
            <dt>requests scanned</dt>
            <dd>{num(j.summary.requestsScanned)}</dd>
            <dt>requests of {j.source} in the window</dt>
            <dd>{num(j.summary.requestsMatched)}</dd>
            <dt>readings</dt>
            <dd>{num(j.summary.readings)}</dd>
            <dt>records {j.dryRun ? 'it would publish' : 'published'}</dt>
            <dd>{num(j.summary.records)}</dd>
            <dt>dead letters</dt>
            <dd>{num(j.summary.deadLetters)}</dd>
            <dt>errors</dt>
            <dd>{num(j.summary.errors)}</dd>
            <dt>time</dt>
            <dd>{(j.summary.durationMs / 1000).toFixed(1)} s</dd>
          </dl>
          {!ENDED.has(j.status) && (
            <button
              onClick={() =>
                void api(`/v1/replays/${id}/cancel`, { method: 'POST' }).then(job.reload)
              }
            >
              Cancel
            </button>
          )}
        </div>
      )}
    </Section>
  );
}
