import { AclOperationTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { TOPICS } from '@app/contracts';
import { LEDGERS } from '@app/ledger/ledger.tables';
import { SINKS } from '@app/sink/sink.options';
import { aclEntries, LEDGER_GROUPS, SINK_GROUPS } from './acls';

// kafkajs's enums are plain objects: name them by value
const nameOf = (types: object) => new Map(Object.entries(types).map(([k, v]) => [v as number, k]));
const [op, resource, pattern] = [
  nameOf(AclOperationTypes),
  nameOf(AclResourceTypes),
  nameOf(ResourcePatternTypes),
];
const summary = (role: Parameters<typeof aclEntries>[0][number]['role'], user: string) =>
  aclEntries([{ role, user }]).map(
    (e) =>
      `${op.get(e.operation)} ${resource.get(e.resourceType)}:${pattern.get(e.resourcePatternType)}:${e.resourceName} ${e.principal}`,
  );

describe(aclEntries.name, () => {
  it('names the groups the sinks join', () => {
    expect(SINK_GROUPS).toEqual({
      vehicle: SINKS.vehicle.groupId,
      location: SINKS.location.groupId,
    });
    expect(LEDGER_GROUPS).toEqual({
      vehicle: LEDGERS.vehicle.rawGroup,
      location: LEDGERS.location.rawGroup,
    });
  });

  it('lets the gateway only produce, to its four topics', () => {
    expect(summary('gateway', 'gw').sort()).toEqual(
      [
        ...[TOPICS.vehicle, TOPICS.location, TOPICS.deadLetter, TOPICS.raw].flatMap((t) => [
          `WRITE TOPIC:LITERAL:${t} User:gw`,
          `DESCRIBE TOPIC:LITERAL:${t} User:gw`,
        ]),
        'IDEMPOTENT_WRITE CLUSTER:LITERAL:kafka-cluster User:gw',
      ].sort(),
    );
  });

  it('lets a consumer read its topic in its group, the raw archive in its ledger group, and produce dead letters', () => {
    expect(summary('vehicle-consumer', 'vc').sort()).toEqual(
      [
        `READ TOPIC:LITERAL:${TOPICS.vehicle} User:vc`,
        'READ GROUP:LITERAL:vehicle-consumer User:vc',
        `READ TOPIC:LITERAL:${TOPICS.raw} User:vc`,
        'READ GROUP:LITERAL:vehicle-consumer-ledger User:vc',
        `WRITE TOPIC:LITERAL:${TOPICS.deadLetter} User:vc`,
        `DESCRIBE TOPIC:LITERAL:${TOPICS.deadLetter} User:vc`,
        'IDEMPOTENT_WRITE CLUSTER:LITERAL:kafka-cluster User:vc',
      ].sort(),
    );
  });

  it('lets the console read dead letters in its group, replay the raw archive in replay- groups and re-publish', () => {
    expect(summary('console', 'co').sort()).toEqual(
      [
        `READ TOPIC:LITERAL:${TOPICS.deadLetter} User:co`,
        'READ GROUP:LITERAL:console-dead-letters User:co',
        `READ TOPIC:LITERAL:${TOPICS.raw} User:co`,
        'READ GROUP:PREFIXED:replay- User:co',
        ...[TOPICS.vehicle, TOPICS.location, TOPICS.deadLetter].flatMap((t) => [
          `WRITE TOPIC:LITERAL:${t} User:co`,
          `DESCRIBE TOPIC:LITERAL:${t} User:co`,
        ]),
        'IDEMPOTENT_WRITE CLUSTER:LITERAL:kafka-cluster User:co',
      ].sort(),
    );
  });

  it('lets a subscriber only read the record topics, in groups named after it', () => {
    expect(summary('subscriber', 'bi').sort()).toEqual(
      [
        `READ TOPIC:LITERAL:${TOPICS.vehicle} User:bi`,
        `READ TOPIC:LITERAL:${TOPICS.location} User:bi`,
        'READ GROUP:PREFIXED:bi User:bi',
      ].sort(),
    );
  });
});
