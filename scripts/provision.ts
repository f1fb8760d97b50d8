import { loadConfig } from '@app/config';
import { createKafka, kafkaSecurity, provisionAcls, provisionTopics } from '@app/kafka';

/** creates the pipeline's topics on KAFKA_BROKERS if missing, then the ACLs of KAFKA_ACL_PRINCIPALS (docker compose runs this before the apps) */
async function main(): Promise<void> {
  const config = loadConfig('launcher');
  const admin = createKafka(config.kafka.brokers, 'provision', kafkaSecurity(config.kafka)).admin();
  await admin.connect();
  try {
    const { created, existing, replicationFactor } = await provisionTopics(admin, {
      partitions: config.kafka.partitions,
      replicationFactor: config.kafka.replicationFactor,
    });
    console.log(
      `topics created: ${created.join(', ') || 'none'}${created.length ? ` (replication factor ${replicationFactor})` : ''}; already present: ${existing.join(', ') || 'none'}`,
    );
    if (config.kafka.aclPrincipals.length > 0) {
      const acls = await provisionAcls(admin, config.kafka.aclPrincipals);
      console.log(
        `ACLs granted: ${acls} for ${config.kafka.aclPrincipals.map((p) => `${p.role}=User:${p.user}`).join(', ')}`,
      );
    }
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: Error) => {
  console.error(`provision: ${error.message}`);
  process.exit(1);
});
