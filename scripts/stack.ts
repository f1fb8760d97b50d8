import { createServer } from 'node:http';
import { ConfigError, loadConfig } from '@app/config';
import { LocalStack } from '@app/local-stack';

/**
 * PostgreSQL and Kafka only, for the end-to-end tests and benchmarks (which start the apps
 * themselves). Prints `STACK_READY <json>` when usable; SIGTERM stops both, and should this
 * launcher die, its watchdog does. With LOCAL_CONTROL_PORT
 * set, `POST /<kafka|postgres>/<stop|start|kill>` on 127.0.0.1 lets a test take a service away.
 */
async function main(): Promise<void> {
  const config = loadConfig('launcher');
  const stack = new LocalStack(config);
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => void stop(0));
  // whoever read our output is gone (a test runner that died): nobody can stop us any more
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => void stop(0));
  try {
    const endpoints = await stack.start();
    const controlPort = config.local.controlPort;
    if (controlPort) listenForControl(stack, controlPort);
    console.log(
      `STACK_READY ${JSON.stringify({ ...endpoints, kafkaPid: stack.kafka?.pid, kafkaPids: stack.kafkaNodes.map((node) => node.pid), postgresPid: stack.postgres?.pid, controlPort })}`,
    );
  } catch (error) {
    console.error(
      `[stack] failed to start: ${error instanceof ConfigError ? error.message : (error as Error).stack}`,
    );
    await stop(1);
  }
}

function listenForControl(stack: LocalStack, port: number): void {
  createServer((req, res) => {
    const [, service, action] = (req.url ?? '').split('/');
    // `kafka` is the first (or only) node, `kafka-<id>` one node of a cluster
    const target =
      service === 'postgres'
        ? stack.postgres
        : service === 'kafka'
          ? stack.kafka
          : stack.kafkaNodes.find((node) => node.name === service);
    const run =
      action === 'stop'
        ? () => target!.stop()
        : action === 'start'
          ? () => target!.start()
          : action === 'kill'
            ? () => target!.kill()
            : undefined;
    if (req.method !== 'POST' || !target || !run) {
      res.writeHead(404).end();
      return;
    }
    // kill is synchronous: a throw from it becomes a 500 like a failed stop or start
    Promise.resolve()
      .then(run)
      .then(
        () =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ [`${service}Pid`]: target.pid })),
        (error: Error) => res.writeHead(500).end(error.message),
      );
  }).listen(port, '127.0.0.1');
}

void main();
