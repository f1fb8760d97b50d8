import { ApiClient } from './api.client';

export const COMPLETENESS_USAGE = `completeness [--source <name>] [--from <ISO time>] [--to <ISO time>] [--type vehicle|location] [--json]
  the completeness ledger of each consumer app (GET /v1/completeness): per source and bucket of
  receipt time, requests received → readings accepted / dead-lettered → published → stored, and the
  buckets whose stored rows fall short of the accepted readings (flagged, "!"); exit 1 if any is.
  Default window: the apps' (the last 24 h); both record types unless --type.`;

interface Counts {
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

/** GET /v1/completeness (libs/ledger CompletenessReportDto) */
export interface CompletenessReport {
  recordType: string;
  from: string;
  to: string;
  bucketSeconds: number;
  delaySeconds: number;
  asOf: string;
  buckets: (Counts & {
    source: string;
    from: string;
    to: string;
    settled: boolean;
    expired: boolean;
    flagged: boolean;
  })[];
  totals: Counts;
  flagged: number;
}

const COLUMNS: (keyof Counts)[] = [
  'received',
  'requests',
  'readings',
  'accepted',
  'deadLettered',
  'published',
  'stored',
  'missing',
];

/** the report as a table: a row per bucket and source, then the totals */
export function reportLines(report: CompletenessReport): string[] {
  const row = (mark: string, when: string, source: string, counts: Counts): string =>
    [
      mark,
      when.padEnd(24),
      source.padEnd(12),
      ...COLUMNS.map((c) => String(counts[c]).padStart(c.length)),
    ].join(' ');
  return [
    `${report.recordType}: [${report.from}, ${report.to}), buckets of ${report.bucketSeconds} s, settled after ${report.delaySeconds} s, as of ${report.asOf}`,
    [' ', 'bucket'.padEnd(24), 'source'.padEnd(12), ...COLUMNS].join(' '),
    ...report.buckets.map((b) => row(b.flagged ? '!' : b.settled ? ' ' : '~', b.from, b.source, b)),
    row(' ', 'total', '', report.totals),
    report.flagged > 0
      ? `${report.flagged} bucket(s) flagged: accepted readings not stored (replay the window, or re-drive)`
      : 'nothing flagged ("~": not settled yet)',
  ];
}

export async function completeness(
  apis: { recordType: string; api: ApiClient }[],
  query: { source?: string; from?: string; to?: string },
  json: boolean,
  print: (line: string) => void = console.log,
): Promise<number> {
  let flagged = 0;
  for (const { api } of apis) {
    const report = await api.get<CompletenessReport>('/v1/completeness', query);
    flagged += report.flagged;
    if (json) print(JSON.stringify(report, null, 2));
    else for (const line of reportLines(report)) print(line);
  }
  return flagged > 0 ? 1 : 0;
}
