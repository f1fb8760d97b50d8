/**
 * Produce requests encoded since the process started, by encoder: `gateway` for
 * record-batch.encoder.ts, `kafkajs` for requests it hands back to kafkajs (compressed ones). Both
 * stay 0 when the encoder was not installed (another kafkajs release): kafkajs then encodes
 * everything itself, uncounted. Served on the metrics endpoint, so a running gateway shows which
 * encoder it uses.
 */
export const produceRequestsEncoded = { gateway: 0, kafkajs: 0 };
