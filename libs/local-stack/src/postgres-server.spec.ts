import { defaultSharedBuffers, serverSettings } from './postgres-server';

const GiB = 2 ** 30;

describe('local PostgreSQL settings', () => {
  it.each([
    [24 * GiB, '6144MB'],
    [8 * GiB, '2048MB'],
    [64 * GiB, '8192MB'],
    [0.25 * GiB, '128MB'],
  ])('shared_buffers for %d bytes of memory is %s', (total, expected) => {
    expect(defaultSharedBuffers(total)).toBe(expected);
  });

  it('passes every setting as -c name=value', () => {
    expect(serverSettings('512MB')).toEqual([
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=512MB',
      '-c',
      'fsync=on',
    ]);
  });
});
