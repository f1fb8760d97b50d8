import { Producer } from 'kafkajs';

/**
 * An idempotent kafkajs producer that is replaced after a failed produce request.
 *
 * The broker may still have appended a request that failed on our side (a lost acknowledgement, a
 * timeout). kafkajs then hands the same sequence numbers to the next request, which the broker
 * either rejects as out of order or, when the record counts match, acknowledges as a duplicate of
 * the lost request without storing it. So after a failure we continue with a new producer id
 * (sequences from 0), as the Java client bumps its epoch. A failure to connect sent nothing and
 * keeps the producer.
 */
export class RenewingProducer {
  private producer: Producer;
  private connected?: Promise<void>;
  private renewals = 0;

  constructor(private readonly create: () => Producer) {
    this.producer = this.fresh();
  }

  /** how many times the producer was replaced after a failed request */
  get renewed(): number {
    return this.renewals;
  }

  /** runs `produce` with the connected producer; when it fails, the next call gets a new producer */
  async send<T>(produce: (producer: Producer) => Promise<T>): Promise<T> {
    const producer = this.producer;
    await this.connect();
    try {
      return await produce(producer);
    } catch (error) {
      this.renew(producer);
      throw error;
    }
  }

  async disconnect(): Promise<void> {
    this.connected = undefined;
    await this.producer.disconnect();
  }

  private renew(failed: Producer): void {
    // a concurrent failure of the same producer renews it once
    if (this.producer !== failed) return;
    this.renewals++;
    this.producer = this.fresh();
    void failed.disconnect().catch(() => undefined);
  }

  private fresh(): Producer {
    const producer = this.create();
    this.connected = undefined;
    producer.on(producer.events.DISCONNECT, () => {
      if (this.producer === producer) this.connected = undefined;
    });
    return producer;
  }

  private connect(): Promise<void> {
    const producer = this.producer;
    this.connected ??= producer.connect().catch((error: Error) => {
      if (this.producer === producer) this.connected = undefined;
      throw error;
    });
    return this.connected;
  }
}
