import { randomUUID } from 'node:crypto';
import { TOPICS } from '@app/contracts';
import { createKafka, RAW_HEADERS } from '@app/kafka';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { kafkaConnection, OpsEnv } from './ops.env';

export const TAIL_USAGE = `tail <vehicle|location|raw|dead-letters|topic> [--from-beginning] [--source <name>] [--key <key>] [--max <n>]
  prints one line per message as it arrives: records (vehicle, location) as time, key, source, event
  id and their non-null fields; raw requests (raw) with their headers and body size; dead letters with
  stage, request id and reasons. --from-beginning reads what the topic still holds first; --source
  keeps one source's, --key one key's (a VIN, a device id, a raw request's id); --max stops after n
  lines. Reads with a throwaway consumer group (ops-tail-<uuid>, deleted on exit), so it never moves
  the apps' offsets.`;

/** the names an operator types for the pipeline's topics */
export const TOPIC_ALIASES: Readonly<Record<string, string>> = {
  vehicle: TOPICS.vehicle,
  location: TOPICS.location,
  raw: TOPICS.raw,
  'dead-letters': TOPICS.deadLetter,
};

export function topicOf(name: string): string {
  return TOPIC_ALIASES[name] ?? name;
}

/** a message as one line, and the source it came from (for --source) */
export interface DescribedMessage {
  line: string;
  source?: string;
}

// the fields every record line starts with, so not repeated among the fields
const LEADING = new Set(['schema', 'eventId', 'source', 'recordedAt', 'receivedAt']);
const MAX_VALUE = 80;

export function describeMessage(
  topic: string,
  partition: number,
  message: KafkaMessage,
): DescribedMessage {
  const at = `p${partition}@${message.offset}`;
  const key = message.key?.toString() ?? '-';
  if (topic === TOPICS.raw) return describeRaw(key, at, message);
  const value = parseJson(message.value);
  if (value === undefined || typeof value !== 'object' || value === null || Array.isArray(value))
    return {
      line: `${timestampOf(message)}  ${key}  ${message.value?.length ?? 0} bytes, not a JSON object  ${at}`,
    };
  const fields = value as Record<string, unknown>;
  if (topic === TOPICS.deadLetter) return describeDeadLetter(key, at, message, fields);
  const source = text(fields.source);
  const rest = Object.entries(fields)
    .filter(([name, v]) => !LEADING.has(name) && v !== null && v !== key && !isEmptyObject(v))
    .map(([name, v]) => `${name}=${shown(v)}`);
  return {
    source,
    line: [
      text(fields.recordedAt) ?? timestampOf(message),
      key,
      source ?? '-',
      text(fields.eventId) ?? header(message.headers, 'event-id') ?? '-',
      ...rest,
      at,
    ].join('  '),
  };
}

function describeRaw(key: string, at: string, message: KafkaMessage): DescribedMessage {
  const headers = Object.keys(message.headers ?? {})
    .filter((name) => name !== RAW_HEADERS.source && name !== RAW_HEADERS.receivedAt)
    .map((name) => `${name}=${header(message.headers, name)}`);
  const source = header(message.headers, RAW_HEADERS.source);
  return {
    source,
    line: [
      header(message.headers, RAW_HEADERS.receivedAt) ?? timestampOf(message),
      key,
      source ?? '-',
      `body ${message.value?.length ?? 0} bytes`,
      ...headers,
      at,
    ].join('  '),
  };
}

function describeDeadLetter(
  key: string,
  at: string,
  message: KafkaMessage,
  letter: Record<string, unknown>,
): DescribedMessage {
  const source = text(letter.source);
  const original = letter.original as { eventId?: unknown } | undefined;
  const reasons = Array.isArray(letter.reasons) ? letter.reasons.map(String).join('; ') : '-';
  return {
    source,
    line: [
      text(letter.occurredAt) ?? timestampOf(message),
      key,
      source ?? '-',
      text(original?.eventId) ?? '-',
      `stage=${text(letter.stage) ?? '-'}`,
      ...(letter.requestId ? [`request-id=${text(letter.requestId)}`] : []),
      ...(letter.topic
        ? [`from=${text(letter.topic)}/${String(letter.partition)}@${text(letter.offset)}`]
        : []),
      `reasons: ${reasons}`,
      at,
    ].join('  '),
  };
}

function parseJson(value: Buffer | null): unknown {
  if (!value) return undefined;
  try {
    return JSON.parse(value.toString()) as unknown;
  } catch {
    return undefined;
  }
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map((v) => v.toString()).join(',');
}

function timestampOf(message: KafkaMessage): string {
  const millis = Number(message.timestamp);
  return Number.isFinite(millis) ? new Date(millis).toISOString() : '-';
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/** a field's value on the line: numbers as they are, the rest as compact JSON, cut at 80 characters */
function shown(value: unknown): string {
  const json = typeof value === 'number' ? String(value) : JSON.stringify(value);
  return json.length > MAX_VALUE ? `${json.slice(0, MAX_VALUE - 1)}…` : json;
}

export interface TailOptions {
  topic: string;
  fromBeginning?: boolean;
  source?: string;
  key?: string;
  max?: number;
}

/** prints the topic's messages until Ctrl-C (or --max lines); resolves to the exit code */
export async function tail(
  { config }: OpsEnv,
  options: TailOptions,
  print: (line: string) => void = console.log,
): Promise<number> {
  const topic = topicOf(options.topic);
  const { brokers, ...security } = kafkaConnection(config);
  const kafka = createKafka(brokers, 'ops-tail', security);
  const groupId = `ops-tail-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  let printed = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  try {
    await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? false });
    print(
      `tailing ${topic} from ${options.fromBeginning ? 'the beginning' : 'now'}${options.source ? `, source ${options.source}` : ''} (Ctrl-C stops)`,
    );
    await consumer.run({
      autoCommit: false,
      eachMessage: ({ partition, message }) => {
        if (options.max !== undefined && printed >= options.max) return Promise.resolve();
        const described = describeMessage(topic, partition, message);
        const wanted =
          (options.source === undefined || described.source === options.source) &&
          (options.key === undefined || message.key?.toString() === options.key);
        if (wanted) {
          print(described.line);
          printed++;
          if (options.max !== undefined && printed >= options.max) finish();
        }
        return Promise.resolve();
      },
    });
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    await finished;
  } finally {
    await consumer.disconnect();
    // the throwaway group goes with the command (best effort: a broker may refuse the ACL)
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect());
  }
  return 0;
}
