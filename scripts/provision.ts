import { loadConfig } from '@app/config';
import { createKafka, provisionTopics } from '@app/kafka';

/** creates the pipeline's topics on KAFKA_BROKERS if missing (docker compose runs this before the apps) */
async function main(): Promise<void> {
  const config = loadConfig('launcher');
  const admin = createKafka(config.kafka.brokers, 'provision').admin();
  await admin.connect();
  try {
    const { created, existing } = await provisionTopics(admin, { partitions: config.kafka.partitions, replicationFactor: config.kafka.replicationFactor });
    console.log(`topics created: ${created.join(', ') || 'none'}; already present: ${existing.join(', ') || 'none'}`);
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: Error) => {
  console.error(`provision: ${error.message}`);
  process.exit(1);
});
