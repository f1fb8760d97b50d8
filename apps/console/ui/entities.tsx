import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { api, Gap, GapReport, Page, query, Reading, ReplayJob } from './api';
import { go } from './nav';
import { Track } from './track';
import { fromInput, Section, Status, time, toInput, useLoad } from './ui';

type Kind = 'vehicle' | 'device';
const BASE: Record<Kind, string> = { vehicle: '/v1/vehicles', device: '/v1/devices' };
const RANGE: Record<Kind, string> = { vehicle: 'telemetry', device: 'locations' };
// the table's columns besides time and position; the rest is in the reading's details
const COLUMNS: Record<Kind, string[]> = {
  vehicle: [
    'speedKph',
    'headingDeg',
    'odometerKm',
    'fuelLevelPct',
    'engineRpm',
    'lvBatteryVoltageV',
    'hvBatterySocPct',
    'event',
  ],
  device: ['speedKph', 'headingDeg', 'altitudeM', 'accuracyM'],
};
// a gap's replay reaches this far past the receipt times of the readings around it
const REPLAY_MARGIN_MS = 60_000;

/** search by VIN or device id: latest, the track with its gaps, the readings with their flags */
export function EntitiesPage({ params }: { params: URLSearchParams }) {
  const kind: Kind = params.get('kind') === 'device' ? 'device' : 'vehicle';
  const id = params.get('id') ?? '';
  const now = new Date();
  const from = params.get('from') ?? new Date(now.getTime() - 24 * 3600_000).toISOString();
  const to =
    params.get('to') ?? new Date(Math.ceil(now.getTime() / 60_000) * 60_000 + 60_000).toISOString();
  const [draft, setDraft] = useState({ kind, id, from, to });
  const search = (e: Event) => {
    e.preventDefault();
    go('entities', { kind: draft.kind, id: draft.id.trim(), from: draft.from, to: draft.to });
  };
  return (
    <>
      <h1>Vehicles &amp; devices</h1>
      <form class="filters" onSubmit={search}>
        <label>
          kind
          <select
            name="kind"
            value={draft.kind}
            onChange={(e) => setDraft({ ...draft, kind: e.currentTarget.value as Kind })}
          >
            <option value="vehicle">vehicle (VIN)</option>
            <option value="device">device</option>
          </select>
        </label>
        <label>
          VIN or device id
          <input
            name="id"
            value={draft.id}
            onInput={(e) => setDraft({ ...draft, id: e.currentTarget.value })}
            required
          />
        </label>
        <label>
          from (UTC, recorded)
          <input
            type="datetime-local"
            name="from"
            value={toInput(draft.from)}
            onInput={(e) =>
              setDraft({ ...draft, from: fromInput(e.currentTarget.value) ?? draft.from })
            }
          />
        </label>
        <label>
          to (UTC)
          <input
            type="datetime-local"
            name="to"
            value={toInput(draft.to)}
            onInput={(e) =>
              setDraft({ ...draft, to: fromInput(e.currentTarget.value) ?? draft.to })
            }
          />
        </label>
        <button type="submit">Show</button>
      </form>
      {id === '' ? (
        <KnownEntities kind={kind} />
      ) : (
        <Entity key={`${kind}/${id}/${from}/${to}`} kind={kind} id={id} from={from} to={to} />
      )}
    </>
  );
}

function KnownEntities({ kind }: { kind: Kind }) {
  const list = useLoad(
    () =>
      api<Page<{ vin?: string; deviceId?: string; lastRecordedAt: string; recordCount: number }>>(
        `${BASE[kind]}${query({ limit: 50 })}`,
      ),
    [kind],
  );
  return (
    <Section title={`Known ${kind === 'vehicle' ? 'vehicles' : 'devices'}`}>
      <Status error={list.error} loading={list.loading && !list.data} />
      <ul class="entities">
        {list.data?.items.map((e) => {
          const id = e.vin ?? e.deviceId ?? '';
          return (
            <li key={id}>
              <a
                href="#"
                onClick={(ev) => {
                  ev.preventDefault();
                  go('entities', { kind, id, ...dayBefore(e.lastRecordedAt) });
                }}
              >
                {id}
              </a>{' '}
              <span class="muted">
                last {time(e.lastRecordedAt)}, {e.recordCount} record(s)
              </span>
            </li>
          );
        })}
      </ul>
    </Section>
  );
}

function Entity({ kind, id, from, to }: { kind: Kind; id: string; from: string; to: string }) {
  const base = `${BASE[kind]}/${encodeURIComponent(id)}`;
  const latest = useLoad(() => api<Reading>(`${base}/latest`), [base]);
  const range = useLoad(
    () => api<Page<Reading>>(`${base}/${RANGE[kind]}${query({ from, to, limit: 5000 })}`),
    [base, from, to],
  );
  const gaps = useLoad(
    () => api<GapReport>(`${base}/gaps${query({ from, to, minGapSeconds: 300 })}`),
    [base, from, to],
  );
  const [replays, setReplays] = useState<Record<string, ReplayJob | string>>({});
  const readings = range.data?.items ?? [];

  const replayGap = async (gap: Gap) => {
    const window = gapReplayWindow(gap, readings);
    if (typeof window === 'string') return setReplays({ ...replays, [gap.from]: window });
    try {
      const job = await api<ReplayJob>('/v1/replays', { method: 'POST', body: window });
      setReplays({ ...replays, [gap.from]: job });
      go('replay', { id: job.id });
    } catch (err) {
      setReplays({ ...replays, [gap.from]: (err as Error).message });
    }
  };

  return (
    <>
      <Section title={`Latest of ${id}`}>
        {latest.error?.startsWith('404') ? (
          <p class="muted">nothing stored for {id}</p>
        ) : (
          <Status error={latest.error} loading={latest.loading && !latest.data} />
        )}
        {latest.data && range.data?.items.length === 0 && (
          <p>
            Nothing recorded in this range.{' '}
            <a
              href="#"
              onClick={(e) => {
                e.preventDefault();
                go('entities', { kind, id, ...dayBefore(latest.data!.recordedAt) });
              }}
            >
              Show the 24 hours before its latest reading
            </a>
          </p>
        )}
        {latest.data && (
          <dl class="latest">
            <dt>recorded</dt>
            <dd>{time(latest.data.recordedAt)}</dd>
            <dt>position</dt>
            <dd>
              {format(latest.data.latitude)}, {format(latest.data.longitude)}
            </dd>
            {COLUMNS[kind].map((c) => (
              <Fragment key={c}>
                <dt>{c}</dt>
                <dd>{format(latest.data![c])}</dd>
              </Fragment>
            ))}
            <dt>source</dt>
            <dd>{latest.data.source}</dd>
            <dt>flags</dt>
            <dd>
              <Flags flags={latest.data.flags} />
            </dd>
          </dl>
        )}
      </Section>
      <Section title="Track">
        <Status error={range.error ?? gaps.error} loading={range.loading && !range.data} />
        {range.data && <Track readings={readings} gaps={gaps.data?.gaps ?? []} />}
        {range.data?.nextCursor && (
          <p class="muted">the first 5,000 readings of the range: narrow it to see the rest</p>
        )}
        <h3>Gaps (silences over 5 minutes, by recorded time)</h3>
        {gaps.data && gaps.data.gaps.length === 0 && <p class="muted">no gaps</p>}
        <ul class="gaps">
          {gaps.data?.gaps.map((g) => {
            const state = replays[g.from];
            return (
              <li key={g.from} data-gap={g.from}>
                {time(g.from)} → {time(g.to)} ({Math.round(g.seconds / 60)} min
                {g.fromRangeStart ? ', from the range start' : ''}
                {g.toRangeEnd ? ', to the range end' : ''}){' '}
                {g.fromRangeStart || g.toRangeEnd ? (
                  <span class="muted">
                    at the range's edge: widen the range to see what borders it
                  </span>
                ) : (
                  <button class="replay-gap" onClick={() => void replayGap(g)}>
                    Replay this gap
                  </button>
                )}{' '}
                {typeof state === 'string' && <span class="error">{state}</span>}
                {typeof state === 'object' && (
                  <span>
                    replay {state.id} {state.status}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      </Section>
      <Section title={`Readings (${readings.length})`}>
        <table class="readings">
          <thead>
            <tr>
              <th>recorded</th>
              <th>received</th>
              <th>latitude</th>
              <th>longitude</th>
              {COLUMNS[kind].map((c) => (
                <th key={c}>{c}</th>
              ))}
              <th>flags</th>
            </tr>
          </thead>
          <tbody>
            {readings.map((r) => (
              <tr key={r.eventId} class={hasFlags(r.flags) ? 'flagged' : ''}>
                <td>{time(r.recordedAt)}</td>
                <td>{time(r.receivedAt)}</td>
                <td>{format(r.latitude)}</td>
                <td>{format(r.longitude)}</td>
                {COLUMNS[kind].map((c) => (
                  <td key={c}>{format(r[c])}</td>
                ))}
                <td>
                  <Flags flags={r.flags} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </>
  );
}

/**
 * Gaps are in recorded time, a replay reads by receipt time: the window runs from the receipt of
 * the reading before the gap to the receipt of the one after it (with a minute's margin), which
 * holds every request that carried the lost readings when the sender sent them in order. A gap at
 * the range's edge has no reading on one side, so no receipt time to go by: not offered.
 */
export function gapReplayWindow(
  gap: Gap,
  readings: Reading[],
): { source: string; from: string; to: string } | string {
  const before = readings.find((r) => r.recordedAt === gap.from);
  const after = readings.find((r) => r.recordedAt === gap.to);
  if (before === undefined || after === undefined)
    return 'no reading borders this gap on both sides in the loaded range: use the Replay page';
  const start = new Date(before.receivedAt).getTime() - REPLAY_MARGIN_MS;
  const end = new Date(after.receivedAt).getTime() + REPLAY_MARGIN_MS;
  return {
    source: before.source,
    from: new Date(start).toISOString(),
    to: new Date(end).toISOString(),
  };
}

/** the 24 hours up to a minute after a reading: where to look for an entity's track */
function dayBefore(recordedAt: string): { from: string; to: string } {
  const end = Math.ceil(new Date(recordedAt).getTime() / 60_000) * 60_000 + 60_000;
  return { from: new Date(end - 24 * 3600_000).toISOString(), to: new Date(end).toISOString() };
}

function hasFlags(flags: unknown): boolean {
  return typeof flags === 'object' && flags !== null && Object.keys(flags).length > 0;
}

function Flags({ flags }: { flags: unknown }) {
  if (!hasFlags(flags)) return <span class="muted">—</span>;
  return (
    <span class="flags">
      {Object.entries(flags as Record<string, unknown>).map(([k, v]) => (
        <span key={k} class="flag" title={JSON.stringify(v)}>
          {k}
          {v === true ? '' : `: ${typeof v === 'string' ? v : JSON.stringify(v)}`}
        </span>
      ))}
    </span>
  );
}

function format(v: unknown): string {
  if (v === null || v === undefined) return '—';
  // binary floats (-23.548000000000002) shown to a centimetre at most
  if (typeof v === 'number') return String(Number(v.toFixed(7)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}
