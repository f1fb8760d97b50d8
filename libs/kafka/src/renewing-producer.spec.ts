import type { Producer } from 'kafkajs';
import { RenewingProducer } from './renewing-producer';

function aFactory() {
  const made: { id: number; connects: number; disconnected: boolean }[] = [];
  const create = () => {
    const state = { id: made.length, connects: 0, disconnected: false };
    made.push(state);
    return {
      state,
      events: { DISCONNECT: 'producer.disconnect' },
      on: () => undefined,
      connect: () => {
        state.connects++;
        return Promise.resolve();
      },
      disconnect: () => {
        state.disconnected = true;
        return Promise.resolve();
      },
    } as unknown as Producer;
  };
  return { create, made };
}

const idOf = (producer: Producer) => (producer as unknown as { state: { id: number } }).state.id;

describe(RenewingProducer.name, () => {
  it('connects once and keeps the producer while sends succeed', async () => {
    const { create, made } = aFactory();
    const sut = new RenewingProducer(create);

    expect([
      await sut.send((p) => Promise.resolve(idOf(p))),
      await sut.send((p) => Promise.resolve(idOf(p))),
    ]).toEqual([0, 0]);
    expect(made).toEqual([{ id: 0, connects: 1, disconnected: false }]);
  });

  it('replaces the producer once when concurrent sends on it fail, and disconnects the old one', async () => {
    const { create, made } = aFactory();
    const sut = new RenewingProducer(create);
    const fail = async (): Promise<never> => Promise.reject(new Error('Request timed out'));

    await Promise.allSettled([sut.send(fail), sut.send(fail)]);

    expect(sut.renewed).toBe(1);
    expect(await sut.send((p) => Promise.resolve(idOf(p)))).toBe(1);
    expect(made.map((m) => m.disconnected)).toEqual([true, false]);
  });
});
