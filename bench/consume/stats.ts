/** latency summaries for the consume bench: nearest-rank percentiles over every sample, no sampling */
export interface Summary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export function summarize(samplesMs: number[]): Summary {
  const sorted = Float64Array.from(samplesMs).sort();
  const rank = (p: number): number =>
    sorted.length === 0
      ? NaN
      : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const round = (ms: number): number => Math.round(ms * 100) / 100;
  let total = 0;
  for (const ms of sorted) total += ms;
  return {
    count: sorted.length,
    p50Ms: round(rank(50)),
    p90Ms: round(rank(90)),
    p99Ms: round(rank(99)),
    maxMs: round(sorted.length ? sorted[sorted.length - 1] : NaN),
    meanMs: round(sorted.length ? total / sorted.length : NaN),
  };
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a';
