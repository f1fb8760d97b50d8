import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { VEHICLE_TABLE } from '@app/persistence';
import { sign } from '@app/verification';
import { eventually } from './support/eventually';
import { mobwayPayload, mobwayReading, randomVin } from './support/payloads';
import { RunningApp, testStack } from './support/running-app';

const MOBWAY = `scale-out-mobway-${randomBytes(16).toString('hex')}`;
const GROUP = 'vehicle-consumer';

/** the processes a primary started (node:cluster workers are its children) */
function childrenOf(pid: number): number[] {
  const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return tasks ? tasks.split(/\s+/).map(Number) : [];
}

/**
 * GATEWAY_INSTANCES=2 and VEHICLE_CONSUMER_INSTANCES=2: two gateway processes behind one port, two
 * members in the vehicle consumer's group sharing its partitions; an instance of each SIGKILLed
 * while signed requests flow, started again by its primary, and every reading of every request
 * answered 200 stored exactly once.
 */
describe('scale-out: instances behind one port, members of one group', () => {
  let gateway: RunningApp;
  let vehicles: RunningApp;
  let db: Client;
  const kafka = new Kafka({
    clientId: 'scale-out-e2e',
    brokers: testStack().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });

  const members = async (): Promise<{ id: string; partitions: number }[]> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([GROUP]);
      return groups[0].members.map((m) => ({
        id: m.memberId,
        partitions: Object.values(
          AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {},
        ).flat().length,
      }));
    } finally {
      await admin.disconnect();
    }
  };

  beforeAll(async () => {
    [gateway, vehicles] = await Promise.all([
      RunningApp.start('ingest-gateway', { MOBWAY_SIGN_SECRET: MOBWAY, GATEWAY_INSTANCES: '2' }),
      RunningApp.start('vehicle-consumer', { VEHICLE_CONSUMER_INSTANCES: '2' }),
    ]);
    db = new Client({ connectionString: testStack().databaseUrl });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.all([gateway, vehicles].filter(Boolean).map((app) => app.stop()));
    await db?.end();
  });

  it('runs two processes behind each port and two members in the group', async () => {
    expect(gateway.output.join('\n')).toMatch(/listening on .* \(2 instances\)/);
    expect(childrenOf(gateway.pid)).toHaveLength(2);
    expect(childrenOf(vehicles.pid)).toHaveLength(2);
    const joined = await eventually(
      members,
      (m) => m.length === 2 && m.every((x) => x.partitions > 0),
    );
    expect(joined).toHaveLength(2);
    expect(joined.every((m) => m.partitions > 0)).toBe(true);
  });

  it('answers /metrics for all instances together, whichever one a scrape reaches', async () => {
    const accepted = async (): Promise<number> => {
      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('fleet_gateway_requests_accepted_total{source="mobway"}'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await accepted();
    const requests = 40;
    for (let i = 0; i < requests; i++) {
      const body = mobwayPayload([mobwayReading(randomVin())]);
      // a new connection each time: the primary hands connections to the instances in turn
      const res = await fetch(`${gateway.url}/webhooks/mobway`, {
        method: 'POST',
        body,
        headers: { ...sign('mobway', MOBWAY, body), connection: 'close' },
      });
      expect(res.status).toBe(200);
    }
    // every scrape, on a new connection each, sees every instance's count
    const scrapes: number[] = [];
    for (let i = 0; i < 6; i++) scrapes.push((await accepted()) - before);
    expect(scrapes).toEqual(scrapes.map(() => requests));
  });

  it('stores every acknowledged reading once while an instance of each app is killed and started again', async () => {
    const acknowledged: string[] = [];
    let failed = 0;
    let timedOut = 0;
    let sending = true;
    const sender = async (): Promise<void> => {
      while (sending) {
        const vins = [randomVin(), randomVin()];
        const body = mobwayPayload(vins.map((vin) => mobwayReading(vin)));
        try {
          const res = await fetch(`${gateway.url}/webhooks/mobway`, {
            method: 'POST',
            body,
            headers: sign('mobway', MOBWAY, body),
            // a sender's own deadline: node:cluster's primary can lose a connection it was handing
            // to the instance that died (nodejs/node#21746); that request is never answered
            signal: AbortSignal.timeout(10_000),
          });
          await res.arrayBuffer();
          if (res.status === 200) acknowledged.push(...vins);
          else failed++;
        } catch (error) {
          // a connection the killed instance held: the client sends again, as a sender would
          if ((error as Error).name === 'TimeoutError') timedOut++;
          else failed++;
        }
      }
    };
    const senders = [sender(), sender(), sender()];
    await new Promise((r) => setTimeout(r, 2_000));
    const [gatewayVictim] = childrenOf(gateway.pid);
    const [consumerVictim] = childrenOf(vehicles.pid);
    process.kill(gatewayVictim, 'SIGKILL');
    process.kill(consumerVictim, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 8_000));
    sending = false;
    await Promise.all(senders);

    // each primary started a new instance in the killed one's place
    const gateways = await eventually(
      () => Promise.resolve(childrenOf(gateway.pid)),
      (pids) => pids.length === 2 && !pids.includes(gatewayVictim),
    );
    expect(gateways).toHaveLength(2);
    expect(gateways).not.toContain(gatewayVictim);
    const consumers = childrenOf(vehicles.pid);
    expect(consumers).toHaveLength(2);
    expect(consumers).not.toContain(consumerVictim);
    expect(gateway.output.join('\n')).toMatch(
      /instance \d \(pid \d+\) was killed by SIGKILL; starting it again/,
    );

    // the surviving gateway instance kept answering: most requests were acknowledged
    expect(acknowledged.length).toBeGreaterThan(50);
    const count = async (): Promise<Map<string, number>> => {
      const { rows } = await db.query<{ vin: string; n: string }>(
        `SELECT vin, count(*) AS n FROM ${VEHICLE_TABLE.table} WHERE vin = ANY($1) GROUP BY vin`,
        [acknowledged],
      );
      return new Map(rows.map((r) => [r.vin, Number(r.n)]));
    };
    const stored = await eventually(count, (m) => m.size === acknowledged.length, 90_000);
    expect(acknowledged.filter((vin) => !stored.has(vin))).toEqual([]);
    expect([...stored.values()].filter((n) => n !== 1)).toEqual([]);
    console.log(
      `scale-out: ${acknowledged.length / 2} requests acknowledged, ${failed} failed or cut while an instance died, ${timedOut} unanswered after 10 s`,
    );
  }, 180_000);
});
