/** the console's API as the browser calls it: one origin, the query API key from sessionStorage */

const KEY = 'fleet-console-key';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string): void => sessionStorage.setItem(KEY, key),
  signOut: (): void => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthorized: () => void = () => undefined;
/** what happens when the key is refused (the app signs out) */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${session.key() ?? ''}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  const json = text === '' ? undefined : (JSON.parse(text) as unknown);
  if (res.status === 401) {
    onUnauthorized();
    throw new ApiError(401, 'the key was refused: sign in with a key from QUERY_API_KEYS');
  }
  if (!res.ok) {
    const message = (json as { message?: string } | undefined)?.message ?? res.statusText;
    throw new ApiError(res.status, `${res.status}: ${message}`);
  }
  return json as T;
}

/** whether a key is accepted (a cheap authenticated call): ok, refused, or what else went wrong */
export async function checkKey(
  key: string,
): Promise<{ ok: true } | { ok: false; refused: boolean; why: string }> {
  const res = await fetch('/v1/replays?limit=1', { headers: { authorization: `Bearer ${key}` } });
  if (res.ok) return { ok: true };
  return { ok: false, refused: res.status === 401, why: `the console answered ${res.status}` };
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

// the shapes the pages read

export interface Counts {
  received: number;
  requests: number;
  readings: number;
  accepted: number;
  deadLettered: number;
  untallied: number;
  published: number;
  stored: number;
  missing: number;
}
export interface Bucket extends Counts {
  source: string;
  from: string;
  to: string;
  settled: boolean;
  flagged: boolean;
}
export interface Completeness {
  buckets: Bucket[];
  totals: Counts;
  flagged: number;
}
export interface Overview {
  at: string;
  services: {
    name: string;
    url: string;
    status: 'up' | 'down' | 'unreachable';
    ms: number;
    detail?: string;
  }[];
  gateway: {
    sources: Record<string, { accepted: number; published: number; deadLettered: number }>;
    rejected: { reason: string; source: string; count: number }[];
  } | null;
  lag: { app: string; topic: string | null; lag: number | null }[];
  deadLettersLastHour: {
    from: string;
    counts: { source: string | null; stage: string | null; reasonClass: string; count: number }[];
  };
}
export interface Letter {
  id: string;
  stage: string | null;
  source: string | null;
  reasons: string[];
  reasonClass: string;
  entityId: string | null;
  requestId: string | null;
  recordTopic: string | null;
  occurredAt: string;
  receivedAt: string;
  redrive: { status: string; at: string; outcome: string | null } | null;
  letter?: Record<string, unknown>;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface RedriveResult {
  id: string;
  status: 'done' | 'failed' | 'not_found';
  outcome: string;
}
export interface Reading {
  eventId: string;
  source: string;
  recordedAt: string;
  receivedAt: string;
  latitude: number | null;
  longitude: number | null;
  flags?: Record<string, unknown> | null;
  [field: string]: unknown;
}
export interface Gap {
  from: string;
  to: string;
  seconds: number;
  fromRangeStart: boolean;
  toRangeEnd: boolean;
}
export interface GapReport {
  from: string;
  to: string;
  minGapSeconds: number;
  gaps: Gap[];
  truncated: boolean;
}
export interface ReplayJob {
  id: string;
  source: string;
  from: string;
  to: string;
  dryRun: boolean;
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  progress: { fraction: number };
  summary: {
    requestsScanned: number;
    requestsMatched: number;
    readings: number;
    records: number;
    deadLetters: number;
    errors: number;
    durationMs: number;
  };
  error?: string;
}
