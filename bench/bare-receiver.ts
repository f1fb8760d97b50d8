import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';

/**
 * The limit the gateway is measured against: a bare Fastify route that only verifies mobway's
 * HMAC over the raw body and parses the JSON. No Nest, no normalization, no Kafka.
 */
const secret = process.argv[2];
const port = Number(process.argv[3]);
const app = Fastify({ bodyLimit: 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.post('/webhook', async (req, reply) => {
  const body = req.body as Buffer;
  const given = Buffer.from(String(req.headers['x-signature'] ?? ''), 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return reply.code(403).send({ status: 'error' });
  JSON.parse(body.toString('utf8'));
  return { status: 'success' };
});
void app.listen({ port, host: '127.0.0.1' }).then(() => console.log(`listening on ${port}`));
