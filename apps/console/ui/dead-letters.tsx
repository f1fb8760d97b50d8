import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { REASON_CLASSES } from '../../../libs/contracts/src/dead-letter.reasons';
import { api, Letter, Page, query, RedriveResult } from './api';
import { fromInput, Section, Status, time, toInput, useLoad } from './ui';

const STAGES = ['', 'ingest', 'consume'];
// the classes the console files letters under: the contract's own list (a self-contained module)
const CLASSES = ['', ...REASON_CLASSES];
const STATUSES = ['', 'none', 'pending', 'done', 'failed'];
const FILTERS = [
  'source',
  'stage',
  'reason_class',
  'q',
  'entity_id',
  'redrive_status',
  'from',
  'to',
] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** filter, inspect one, select and re-drive, see each outcome */
export function DeadLettersPage({ params }: { params: URLSearchParams }) {
  const initial: Filters = {};
  for (const f of FILTERS) if (params.get(f)) initial[f] = params.get(f)!;
  const [draft, setDraft] = useState<Filters>(initial);
  const [filters, setFilters] = useState<Filters>(initial);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [open, setOpen] = useState<string>();
  const [results, setResults] = useState<RedriveResult[]>();
  const [redriving, setRedriving] = useState(false);
  const [redriveError, setRedriveError] = useState<string>();
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(
    () => api<Page<Letter>>(`/v1/dead-letters${query({ ...filters, limit: 50, cursor })}`),
    [filters, cursor],
  );
  const set = (f: keyof Filters, v: string) =>
    setDraft({ ...draft, [f]: v === '' ? undefined : v });
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (!next.delete(id)) next.add(id);
    setSelected(next);
  };
  const redrive = async () => {
    setRedriving(true);
    setRedriveError(undefined);
    try {
      const answer = await api<{ results: RedriveResult[] }>('/v1/dead-letters/redrive', {
        method: 'POST',
        body: { ids: [...selected] },
      });
      setResults(answer.results);
      setSelected(new Set());
      await page.reload();
    } catch (err) {
      setRedriveError((err as Error).message);
    } finally {
      setRedriving(false);
    }
  };
  return (
    <>
      <h1>Dead letters</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setCursors([null]);
          setFilters(draft);
        }}
      >
        <label>
          source
          <input
            name="source"
            value={draft.source ?? ''}
            onInput={(e) => set('source', e.currentTarget.value)}
          />
        </label>
        <label>
          stage
          <select
            name="stage"
            value={draft.stage ?? ''}
            onChange={(e) => set('stage', e.currentTarget.value)}
          >
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          reason class
          <select
            name="reason_class"
            value={draft.reason_class ?? ''}
            onChange={(e) => set('reason_class', e.currentTarget.value)}
          >
            {CLASSES.map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          reason text
          <input name="q" value={draft.q ?? ''} onInput={(e) => set('q', e.currentTarget.value)} />
        </label>
        <label>
          VIN / device
          <input
            name="entity_id"
            value={draft.entity_id ?? ''}
            onInput={(e) => set('entity_id', e.currentTarget.value)}
          />
        </label>
        <label>
          re-drive
          <select
            name="redrive_status"
            value={draft.redrive_status ?? ''}
            onChange={(e) => set('redrive_status', e.currentTarget.value)}
          >
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          from (UTC)
          <input
            type="datetime-local"
            name="from"
            value={draft.from ? toInput(draft.from) : ''}
            onInput={(e) => set('from', fromInput(e.currentTarget.value) ?? '')}
          />
        </label>
        <label>
          to (UTC)
          <input
            type="datetime-local"
            name="to"
            value={draft.to ? toInput(draft.to) : ''}
            onInput={(e) => set('to', fromInput(e.currentTarget.value) ?? '')}
          />
        </label>
        <button type="submit">Filter</button>
      </form>
      <div class="toolbar">
        <button
          id="redrive"
          disabled={selected.size === 0 || redriving}
          onClick={() => void redrive()}
        >
          Re-drive {selected.size} selected
        </button>
        <button class="link" onClick={() => void page.reload()}>
          refresh
        </button>
      </div>
      {redriveError && (
        <p class="error" role="alert">
          {redriveError}
        </p>
      )}
      {results && (
        <Section title="Re-drive outcome">
          <ul class="outcomes">
            {results.map((r) => (
              <li key={r.id} class={r.status}>
                <strong>
                  #{r.id} {r.status}
                </strong>{' '}
                {r.outcome}
              </li>
            ))}
          </ul>
        </Section>
      )}
      <Status error={page.error} loading={page.loading && !page.data} />
      {page.data && (
        <table class="letters">
          <thead>
            <tr>
              <th></th>
              <th>id</th>
              <th>rejected at</th>
              <th>source</th>
              <th>stage</th>
              <th>reason class</th>
              <th>entity</th>
              <th>reasons</th>
              <th>re-drive</th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((l) => (
              <Fragment key={l.id}>
                <tr data-letter={l.id} class={open === l.id ? 'open' : ''}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`select ${l.id}`}
                      checked={selected.has(l.id)}
                      onChange={() => toggle(l.id)}
                    />
                  </td>
                  <td>
                    <a
                      href="#"
                      onClick={(e) => {
                        e.preventDefault();
                        setOpen(open === l.id ? undefined : l.id);
                      }}
                    >
                      #{l.id}
                    </a>
                  </td>
                  <td>{time(l.occurredAt)}</td>
                  <td>{l.source ?? '—'}</td>
                  <td>{l.stage ?? '—'}</td>
                  <td>{l.reasonClass}</td>
                  <td class="mono">{l.entityId ?? '—'}</td>
                  <td class="reasons">{l.reasons.join('; ')}</td>
                  <td>
                    {l.redrive ? (
                      <span class={`pill ${l.redrive.status}`} title={l.redrive.outcome ?? ''}>
                        {l.redrive.status}
                      </span>
                    ) : (
                      ''
                    )}
                  </td>
                </tr>
                {open === l.id && (
                  <tr>
                    <td colSpan={9}>
                      <LetterView id={l.id} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
            {page.data.items.length === 0 && (
              <tr>
                <td colSpan={9} class="muted">
                  no dead letters match
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      <div class="toolbar">
        <button disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          newer
        </button>
        <button
          disabled={!page.data?.nextCursor}
          onClick={() => setCursors([...cursors, page.data!.nextCursor])}
        >
          older
        </button>
      </div>
    </>
  );
}

function LetterView({ id }: { id: string }) {
  const letter = useLoad(() => api<Letter>(`/v1/dead-letters/${id}`), [id]);
  if (!letter.data) return <Status error={letter.error} loading />;
  const l = letter.data;
  return (
    <div class="letter">
      <dl>
        <dt>reasons</dt>
        <dd>
          <ul>
            {l.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </dd>
        <dt>request</dt>
        <dd class="mono">{l.requestId ?? '—'}</dd>
        <dt>record topic</dt>
        <dd class="mono">{l.recordTopic ?? '—'}</dd>
        <dt>reached Kafka</dt>
        <dd>{time(l.receivedAt)}</dd>
        {l.redrive && (
          <>
            <dt>re-drive</dt>
            <dd>
              {l.redrive.status} at {time(l.redrive.at)}: {l.redrive.outcome}
            </dd>
          </>
        )}
      </dl>
      <h4>the letter as published (its original)</h4>
      <pre>{JSON.stringify(l.letter, null, 2)}</pre>
    </div>
  );
}
