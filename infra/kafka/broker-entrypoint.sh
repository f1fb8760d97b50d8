#!/bin/sh
# The compose broker (apache/kafka image): a KRaft node (broker and controller), SASL on every
# listener, ACLs enforced. Alone by default; docker-compose.cluster.yml runs three, each naming
# itself (KAFKA_NODE_ID, KAFKA_INTERNAL_HOST) and the quorum (KAFKA_CONTROLLER_VOTERS).
#   INTERNAL :29092  the other containers (SCRAM-SHA-512/256)
#   EXTERNAL :9092   the host (SCRAM-SHA-512/256); published on loopback unless BIND_ADDRESS says otherwise
#   CONTROLLER :9093 KRaft (PLAIN, admin only: controllers cannot use SCRAM)
# Principals: admin (super user: inter-broker traffic, the init job's topics and ACLs), gateway,
# vehicle-consumer, location-consumer, console, subscriber. Their SCRAM credentials are created when the
# volume is first formatted; to change a password later:
#   kafka-configs.sh --bootstrap-server kafka:29092 --command-config /tmp/admin.properties \
#     --alter --entity-type users --entity-name gateway --add-config 'SCRAM-SHA-512=[password=...]'
set -eu

for var in KAFKA_ADMIN_PASSWORD KAFKA_GATEWAY_PASSWORD KAFKA_VEHICLE_CONSUMER_PASSWORD KAFKA_LOCATION_CONSUMER_PASSWORD KAFKA_CONSOLE_PASSWORD KAFKA_SUBSCRIBER_PASSWORD; do
  eval "value=\${$var:-}"
  # the values go unquoted into JAAS lines and --add-scram arguments
  case "$value" in
    "") echo "$var is required" >&2; exit 1 ;;
    *[!A-Za-z0-9._-]*) echo "$var: use letters, digits, '.', '_' and '-' only" >&2; exit 1 ;;
  esac
  # the apps' rule for KAFKA_SASL_PASSWORD (libs/config/src/secret.policy.ts): ≥ 16 characters, no placeholder
  if [ "${#value}" -lt 16 ]; then echo "$var is shorter than 16 characters; set a random password" >&2; exit 1; fi
  case "$(printf '%s' "$value" | tr 'A-Z' 'a-z')" in
    change*me* | replace*me* | fill*me* | your* | example* | placeholder* | todo* | xxx* | password* | secret*) echo "$var is a placeholder; set a random password" >&2; exit 1 ;;
  esac
done

# KAFKA_HOME and KAFKA_DATA_DIR: the image's paths unless set (a check outside the image sets them)
home=${KAFKA_HOME:-/opt/kafka}
data=${KAFKA_DATA_DIR:-/var/lib/kafka/data}
conf=/tmp/server.properties
node_id=${KAFKA_NODE_ID:-1}
voters=${KAFKA_CONTROLLER_VOTERS:-1@localhost:9093}
# internal topics as safe as the pipeline's: three copies on three or more nodes, two in sync
nodes=$(( $(printf '%s' "$voters" | tr -cd ',' | wc -c) + 1 ))
if [ "$nodes" -ge 3 ]; then copies=3; in_sync=2; else copies=1; in_sync=1; fi
scram="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$KAFKA_ADMIN_PASSWORD\";"
umask 077
cat > "$conf" <<EOF
process.roles=broker,controller
node.id=$node_id
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
listeners=INTERNAL://:29092,EXTERNAL://:9092,CONTROLLER://:9093
advertised.listeners=INTERNAL://${KAFKA_INTERNAL_HOST:-kafka}:29092,EXTERNAL://${KAFKA_EXTERNAL_HOST:-127.0.0.1}:${KAFKA_EXTERNAL_PORT:-9092}
listener.security.protocol.map=INTERNAL:SASL_PLAINTEXT,EXTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=INTERNAL
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.internal.scram-sha-512.sasl.jaas.config=$scram
listener.name.internal.scram-sha-256.sasl.jaas.config=$scram
listener.name.external.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.external.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD" user_admin="$KAFKA_ADMIN_PASSWORD";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
log.dirs=$data
offsets.topic.replication.factor=$copies
transaction.state.log.replication.factor=$copies
transaction.state.log.min.isr=$in_sync
default.replication.factor=$copies
min.insync.replicas=$in_sync
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF

# how the healthcheck (and an operator in the container) connects as admin
cat > /tmp/admin.properties <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$scram
EOF

if [ ! -f "$data/meta.properties" ]; then
  set --
  for user in admin:KAFKA_ADMIN_PASSWORD gateway:KAFKA_GATEWAY_PASSWORD vehicle-consumer:KAFKA_VEHICLE_CONSUMER_PASSWORD \
    location-consumer:KAFKA_LOCATION_CONSUMER_PASSWORD console:KAFKA_CONSOLE_PASSWORD subscriber:KAFKA_SUBSCRIBER_PASSWORD; do
    eval "password=\${${user#*:}}"
    for mechanism in SCRAM-SHA-512 SCRAM-SHA-256; do
      set -- "$@" --add-scram "$mechanism=[name=${user%%:*},password=$password]"
    done
  done
  "$home/bin/kafka-storage.sh" format --cluster-id "$CLUSTER_ID" -c "$conf" "$@"
fi

exec "$home/bin/kafka-server-start.sh" "$conf"
