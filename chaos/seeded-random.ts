/**
 * A small seeded PRNG (mulberry32): the same seed gives the same payloads and the same fault plan,
 * so `CHAOS_SEED=<n>` replays a run's schedule (timing on a busy machine still varies).
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** an independent stream for another purpose, so one consumer's draws never shift another's */
  fork(label: string): SeededRandom {
    let h = this.seed ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x85ebca6b) >>> 0;
    return new SeededRandom(h ^ (h >>> 13));
  }

  /** uniform in [0, 1) */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** integer in [min, max] */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** k distinct items */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = [...items];
    for (let i = 0; i < k && i < copy.length; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, k);
  }

  /** a shuffled copy */
  shuffle<T>(items: readonly T[]): T[] {
    return this.sample(items, items.length);
  }
}

/** CHAOS_SEED when given, else a fresh one (printed, so the run can be replayed) */
export function seedFrom(value: string | undefined): number {
  if (value !== undefined && value.trim() !== '') {
    const seed = Number(value);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new Error(`CHAOS_SEED must be an integer in [0, 4294967295], got ${value}`);
    return seed;
  }
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}
