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

/**
 * Starts a Kafka consumer once the broker answers: `start` is tried again after each failure
 * (logged with `what`), waiting as the backoff says, until it succeeds or `stopping()` says to give up.
 */
export async function startWhenReachable(
  start: () => Promise<void>,
  options: {
    what: string;
    backoff: Backoff;
    stopping: () => boolean;
    sleep: (ms: number) => Promise<void>;
    warn: (line: string) => void;
  },
): Promise<void> {
  while (!options.stopping()) {
    try {
      await start();
      return;
    } catch (error) {
      const delay = options.backoff.delay();
      options.warn(`${options.what} (${(error as Error).message}); retry in ${delay} ms`);
      await options.sleep(delay);
    }
  }
}
