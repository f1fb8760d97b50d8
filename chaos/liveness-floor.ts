import { Window } from './fault-injector';

/** one HTTP attempt of a simulated sender */
export interface AttemptRecord {
  sender: string;
  /** epoch ms: the request was started, and its answer (or error) came */
  startedAt: number;
  endedAt: number;
  status?: number;
  /** HTTP status or error code */
  label: string;
}

export interface FloorResult {
  /** attempts that lay wholly outside every window */
  outside: number;
  /** of those, the ones that did not get a 200 */
  failed: number;
  /** a few of them, for the report */
  examples: string[];
}

/**
 * The liveness floor: an attempt made while nothing the gateway depends on was down (it started
 * after the end of every window it could overlap and ended before the next began) must get a 200.
 * A gateway that answers 503 to everything fails here even though it loses nothing.
 */
export function livenessFloor(
  attempts: readonly AttemptRecord[],
  windows: readonly Window[],
  runStartedAt: number,
): FloorResult {
  const result: FloorResult = { outside: 0, failed: 0, examples: [] };
  const sorted = [...windows].sort((a, b) => a[0] - b[0]);
  for (const attempt of attempts) {
    if (sorted.some(([from, to]) => attempt.startedAt <= to && attempt.endedAt >= from)) continue;
    result.outside++;
    if (attempt.status === 200) continue;
    result.failed++;
    if (result.examples.length < 10) {
      const after = sorted.filter(([, to]) => to < attempt.startedAt).pop();
      const since = after
        ? `${((attempt.startedAt - after[1]) / 1000).toFixed(1)} s after the last window closed`
        : 'before any fault';
      result.examples.push(
        `${attempt.sender} attempt at +${((attempt.startedAt - runStartedAt) / 1000).toFixed(1)} s got ${attempt.label} (${attempt.endedAt - attempt.startedAt} ms), ${since}`,
      );
    }
  }
  return result;
}
