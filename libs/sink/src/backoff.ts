/** exponential backoff: initial, doubling, capped */
export class Backoff {
  private next: number;

  constructor(
    initialMs = 250,
    private readonly maxMs = 10_000,
  ) {
    this.next = initialMs;
  }

  delay(): number {
    const delay = this.next;
    this.next = Math.min(this.next * 2, this.maxMs);
    return delay;
  }
}
