import {
  AclEntry,
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Admin,
  ResourcePatternTypes,
} from 'kafkajs';
import { TOPICS } from '@app/contracts';
import type { KafkaAclRole } from '@app/config';

/** the consumer groups of the sinks (libs/sink's SINKS; a spec keeps the two equal) */
export const SINK_GROUPS = { vehicle: 'vehicle-consumer', location: 'location-consumer' } as const;
/** the consumer groups counting the raw archive into each completeness ledger (libs/ledger's LEDGERS) */
export const LEDGER_GROUPS = {
  vehicle: 'vehicle-consumer-ledger',
  location: 'location-consumer-ledger',
} as const;
/** the console's consumer groups: the dead-letter store */
export const CONSOLE_GROUPS = { deadLetters: 'console-dead-letters' } as const;
/** the prefix of the throwaway groups a replay reads the raw archive with (libs/replay) */
export const REPLAY_GROUP_PREFIX = 'replay';

interface Grant {
  resourceType: AclResourceTypes;
  resourceName: string;
  resourcePatternType: ResourcePatternTypes;
  operations: AclOperationTypes[];
}

const topic = (name: string, ...operations: AclOperationTypes[]): Grant => ({
  resourceType: AclResourceTypes.TOPIC,
  resourceName: name,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  operations,
});
const group = (name: string, resourcePatternType = ResourcePatternTypes.LITERAL): Grant => ({
  resourceType: AclResourceTypes.GROUP,
  resourceName: name,
  resourcePatternType,
  operations: [AclOperationTypes.READ],
});
// an idempotent producer's InitProducerId (Kafka 3.x also accepts Write on any topic instead)
const idempotentWrite: Grant = {
  resourceType: AclResourceTypes.CLUSTER,
  resourceName: 'kafka-cluster',
  resourcePatternType: ResourcePatternTypes.LITERAL,
  operations: [AclOperationTypes.IDEMPOTENT_WRITE],
};
const produce = (name: string) => topic(name, AclOperationTypes.WRITE, AclOperationTypes.DESCRIBE);
// Read implies Describe (metadata, offsets); a consumer also commits offsets in its group
const consume = (name: string, groupId: string) => [
  topic(name, AclOperationTypes.READ),
  group(groupId),
];

/**
 * What each principal of the pipeline may do; everything else is denied (the broker runs with
 * `allow.everyone.if.no.acl.found=false`). A subscriber reads the record topics in consumer groups
 * whose names start with its user name.
 */
export const ACL_GRANTS: Readonly<Record<KafkaAclRole, (user: string) => Grant[]>> = {
  gateway: () => [
    produce(TOPICS.vehicle),
    produce(TOPICS.location),
    produce(TOPICS.deadLetter),
    produce(TOPICS.raw),
    idempotentWrite,
  ],
  'vehicle-consumer': () => [
    ...consume(TOPICS.vehicle, SINK_GROUPS.vehicle),
    ...consume(TOPICS.raw, LEDGER_GROUPS.vehicle),
    produce(TOPICS.deadLetter),
    idempotentWrite,
  ],
  'location-consumer': () => [
    ...consume(TOPICS.location, SINK_GROUPS.location),
    ...consume(TOPICS.raw, LEDGER_GROUPS.location),
    produce(TOPICS.deadLetter),
    idempotentWrite,
  ],
  // stores dead letters; re-drives consume-stage ones by re-publishing their record; replays the
  // raw archive (reads it in throwaway groups, publishes records and dead letters)
  console: () => [
    ...consume(TOPICS.deadLetter, CONSOLE_GROUPS.deadLetters),
    topic(TOPICS.raw, AclOperationTypes.READ),
    group(`${REPLAY_GROUP_PREFIX}-`, ResourcePatternTypes.PREFIXED),
    produce(TOPICS.vehicle),
    produce(TOPICS.location),
    produce(TOPICS.deadLetter),
    idempotentWrite,
  ],
  subscriber: (user) => [
    topic(TOPICS.vehicle, AclOperationTypes.READ),
    topic(TOPICS.location, AclOperationTypes.READ),
    group(user, ResourcePatternTypes.PREFIXED),
  ],
};

/** the ACL entries (allow, any host) for the given principals */
export function aclEntries(principals: { role: KafkaAclRole; user: string }[]): AclEntry[] {
  return principals.flatMap(({ role, user }) =>
    ACL_GRANTS[role](user).flatMap(({ operations, ...resource }) =>
      operations.map((operation) => ({
        ...resource,
        principal: `User:${user}`,
        host: '*',
        operation,
        permissionType: AclPermissionTypes.ALLOW,
      })),
    ),
  );
}

const keyOf = (e: Omit<AclEntry, 'permissionType'>) =>
  [e.resourceType, e.resourceName, e.resourcePatternType, e.principal, e.host, e.operation].join(
    '|',
  );

/**
 * Grants the principals their ACLs (creating an existing ACL is a no-op; needs a super user or
 * Alter on the cluster) and waits until the broker enforces them: CreateAcls answers before the
 * broker has applied the new metadata, and a client in that moment is refused.
 */
export async function provisionAcls(
  admin: Admin,
  principals: { role: KafkaAclRole; user: string }[],
  timeoutMs = 30_000,
): Promise<number> {
  const acl = aclEntries(principals);
  if (acl.length === 0) return 0;
  await admin.createAcls({ acl });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ALLOW,
    });
    const present = new Set(resources.flatMap((r) => r.acls.map((a) => keyOf({ ...r, ...a }))));
    const missing = acl.filter((e) => !present.has(keyOf(e))).length;
    if (missing === 0) return acl.length;
    if (Date.now() > deadline)
      throw new Error(`${missing} of ${acl.length} ACLs not in force after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
