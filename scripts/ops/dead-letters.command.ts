import { ApiClient } from './api.client';

export const DEAD_LETTERS_USAGE = `dead-letters list [--source <name>] [--stage ingest|consume] [--reason-class <class>] [--q <text>]
                  [--entity <vin|device id>] [--status none|pending|done|failed] [--from <ISO>] [--to <ISO>]
                  [--limit <n>] [--cursor <c>] [--json]
  dead-letters show <id> [--json]
  dead-letters redrive <id> [<id> …]
  the console's dead letters (CONSOLE_PORT): newest first, one line each; show prints one whole
  (reasons and the original it holds); redrive re-publishes consume-stage letters' records and
  replays ingest-stage letters' requests, printing each outcome (exit 1 if any was not re-driven).`;

/** a letter as GET /v1/dead-letters lists it (apps/console DeadLetterSummaryDto) */
interface DeadLetterSummary {
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
  kafka: { partition: number; offset: string };
  redrive: { status: string; at: string; outcome: string | null } | null;
}

interface DeadLetterPage {
  items: DeadLetterSummary[];
  nextCursor: string | null;
}

interface RedriveResponse {
  results: { id: string; status: 'done' | 'failed' | 'not_found'; outcome: string }[];
}

export interface DeadLetterFilters {
  source?: string;
  stage?: string;
  reasonClass?: string;
  q?: string;
  entity?: string;
  status?: string;
  from?: string;
  to?: string;
  limit?: string;
  cursor?: string;
}

const MAX_REASON = 100;

/** one letter as one line: id, time, stage, source, class, entity, re-drive state, first reason */
export function letterLine(letter: DeadLetterSummary): string {
  const [first = '-', ...more] = letter.reasons;
  const reason = first.length > MAX_REASON ? `${first.slice(0, MAX_REASON - 1)}…` : first;
  return [
    letter.id.padStart(6),
    letter.occurredAt,
    (letter.stage ?? '-').padEnd(7),
    (letter.source ?? '-').padEnd(10),
    letter.reasonClass.padEnd(17),
    (letter.entityId ?? '-').padEnd(17),
    (letter.redrive?.status ?? 'none').padEnd(7),
    more.length > 0 ? `${reason} (+${more.length} more)` : reason,
  ].join('  ');
}

export async function listDeadLetters(
  api: ApiClient,
  filters: DeadLetterFilters,
  json: boolean,
  print: (line: string) => void = console.log,
): Promise<number> {
  const page = await api.get<DeadLetterPage>('/v1/dead-letters', {
    source: filters.source,
    stage: filters.stage,
    reason_class: filters.reasonClass,
    q: filters.q,
    entity_id: filters.entity,
    redrive_status: filters.status,
    from: filters.from,
    to: filters.to,
    limit: filters.limit,
    cursor: filters.cursor,
  });
  if (json) {
    print(JSON.stringify(page, null, 2));
    return 0;
  }
  if (page.items.length === 0) print('no dead letters match');
  else {
    print(
      [
        '    id',
        'occurred at'.padEnd(24),
        'stage  ',
        'source    ',
        'class'.padEnd(17),
        'entity'.padEnd(17),
        'redrive',
        'reason',
      ].join('  '),
    );
    for (const letter of page.items) print(letterLine(letter));
  }
  if (page.nextCursor) print(`more: add --cursor ${page.nextCursor}`);
  return 0;
}

export async function showDeadLetter(
  api: ApiClient,
  id: string,
  json: boolean,
  print: (line: string) => void = console.log,
): Promise<number> {
  const letter = await api.get<DeadLetterSummary & { letter: Record<string, unknown> }>(
    `/v1/dead-letters/${encodeURIComponent(id)}`,
  );
  if (json) {
    print(JSON.stringify(letter, null, 2));
    return 0;
  }
  const { letter: whole, ...summary } = letter;
  print(
    `dead letter ${summary.id}: ${summary.stage ?? '?'} stage, source ${summary.source ?? '-'}, ${summary.reasonClass}`,
  );
  print(
    `  occurred at   ${summary.occurredAt} (on the topic ${summary.receivedAt}, partition ${summary.kafka.partition} offset ${summary.kafka.offset})`,
  );
  if (summary.entityId) print(`  entity        ${summary.entityId}`);
  if (summary.requestId) print(`  request id    ${summary.requestId}`);
  if (summary.recordTopic) print(`  record topic  ${summary.recordTopic}`);
  print(
    `  re-drive      ${summary.redrive ? `${summary.redrive.status} at ${summary.redrive.at}${summary.redrive.outcome ? `: ${summary.redrive.outcome}` : ''}` : 'never'}`,
  );
  print('  reasons:');
  for (const reason of summary.reasons) print(`    - ${reason}`);
  print('  letter:');
  print(JSON.stringify(whole, null, 2).replace(/^/gm, '    '));
  return 0;
}

export async function redriveDeadLetters(
  api: ApiClient,
  ids: string[],
  print: (line: string) => void = console.log,
): Promise<number> {
  const { results } = await api.post<RedriveResponse>('/v1/dead-letters/redrive', { ids });
  for (const result of results)
    print(`${result.id.padStart(6)}  ${result.status.padEnd(9)}  ${result.outcome}`);
  const failed = results.filter((r) => r.status !== 'done').length;
  print(`${results.length - failed} re-driven, ${failed} not`);
  return failed === 0 ? 0 : 1;
}
