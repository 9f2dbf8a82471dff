# shellcheck shell=bash
# The Kafka node's configuration with SASL and ACLs, shared by scripts/services/kafka.sh (jars
# on this machine) and services/kafka/docker-start.sh (the apache/kafka image). Source it.
#
# Who may connect, and as whom:
#   CLIENT      SASL_PLAINTEXT, SCRAM-SHA-512 or SCRAM-SHA-256: the only listener clients use.
#               Users and their SCRAM credentials live in the cluster metadata; the hub's service
#               account (User:$KAFKA_HUB_USER) and the broker's own (User:broker, used for
#               inter-broker traffic) are written at storage-format time, so the first login
#               works; agencies' users come later from `kho acl user`. A third user, the
#               anchor (below), has a credential on both mechanisms that nobody logs in with.
#   TLS         SASL_SSL, the same SCRAM mechanisms and users as CLIENT, over TLS with the
#               certificate of a PEM keystore (private key and certificate chain in one file);
#               only when kafka_server_properties is given a TLS port (scripts/services/kafka.sh
#               makes a test CA and a certificate for localhost and 127.0.0.1 at first start).
#   CONTROLLER  SASL_PLAINTEXT with PLAIN: the KRaft controller listener. Its one user,
#               User:controller, has a random password that only this node's server.properties
#               holds (a new one at every start), so nothing else can log in there.
# The StandardAuthorizer refuses whatever no ACL allows (allow.everyone.if.no.acl.found=false);
# the super users are the hub, the broker and the controller principals, none of them anonymous.
#
# Passwords go into JAAS strings: letters, digits and -._~ only.

KAFKA_HUB_USER=kho
KAFKA_BROKER_USER=broker
KAFKA_CONTROLLER_USER=controller
# The anchor: a SCRAM user written first at format time, on both mechanisms, with a random
# password that is never kept, no ACL and no super-user right; never delete it.
# Why: Kafka 4.1.2 (4.2.1 and 4.3.0 alike) can lose every credential of a mechanism when a node
# restarts. Its metadata loader folds the log after the latest snapshot (on a development broker,
# the whole log) into one ScramDelta, and ScramDelta.apply() drops a mechanism's user map as soon
# as the map is empty *inside* its loop over the users. If the first user of the loop's HashMap
# order is a deleted one (an agency's user removed, or the SCRAM-SHA-256 credential that
# `kho acl user` drops), the map is dropped, and every user put after it (kho, broker) goes into
# the dropped map: every SCRAM-SHA-512 login fails, the broker's own readiness check included.
# A HashMap is visited from bucket 0, each bucket in insertion order. This name's
# String.hashCode() is 0, so it sits in bucket 0 whatever the table size, and, written before
# any other SCRAM record, it is the first user visited: the map is never empty after it.
KAFKA_SCRAM_ANCHOR_USER=kho-scram-anchor-abqoftk
# Written into the data directory after a format that added the SCRAM credentials; it holds
# the broker's password and, since the anchor exists, the anchor's name. A formatted directory
# without it was formatted without SASL.
KAFKA_SASL_MARKER=kho-sasl.properties

# kafka_random_password -> 32 random hex digits (128 bits)
kafka_random_password() {
  local hex
  hex=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s' "$hex"
}

# kafka_check_password VALUE -> fails when VALUE cannot sit inside a JAAS string
kafka_check_password() {
  [[ $1 =~ ^[A-Za-z0-9._~-]+$ ]]
}

# kafka_server_properties LISTEN_HOST ADVERTISED_HOST PORT CONTROLLER_PORT DATA_DIR BROKER_PASSWORD
#   [TLS_PORT KEYSTORE_PEM]
#   -> prints server.properties for one combined broker+controller node; with TLS_PORT, also a
#   SASL_SSL listener there whose key and certificate chain are in the PEM file KEYSTORE_PEM
kafka_server_properties() {
  local listen=$1 advertised=$2 port=$3 cport=$4 data=$5 broker_password=$6
  local tls_port=${7:-} keystore=${8:-}
  local controller_password scram plain listeners advertised_listeners protocols
  controller_password=$(kafka_random_password)
  scram=org.apache.kafka.common.security.scram.ScramLoginModule
  plain=org.apache.kafka.common.security.plain.PlainLoginModule
  listeners="CLIENT://$listen:$port,CONTROLLER://$listen:$cport"
  advertised_listeners="CLIENT://$advertised:$port"
  protocols="CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
  if [[ -n $tls_port ]]; then
    listeners+=",TLS://$listen:$tls_port"
    advertised_listeners+=",TLS://$advertised:$tls_port"
    protocols+=",TLS:SASL_SSL"
  fi
  cat <<EOF
process.roles=broker,controller
node.id=1
listeners=$listeners
advertised.listeners=$advertised_listeners
listener.security.protocol.map=$protocols
inter.broker.listener.name=CLIENT
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.client.scram-sha-512.sasl.jaas.config=$scram required username="$KAFKA_BROKER_USER" password="$broker_password";
listener.name.client.scram-sha-256.sasl.jaas.config=$scram required;
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=$advertised:$cport
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=$plain required username="$KAFKA_CONTROLLER_USER" password="$controller_password" user_$KAFKA_CONTROLLER_USER="$controller_password";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$KAFKA_HUB_USER;User:$KAFKA_BROKER_USER;User:$KAFKA_CONTROLLER_USER
log.dirs=$data
num.partitions=3
auto.create.topics.enable=true
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  [[ -n $tls_port ]] || return 0
  cat <<EOF
listener.name.tls.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.tls.scram-sha-512.sasl.jaas.config=$scram required;
listener.name.tls.scram-sha-256.sasl.jaas.config=$scram required;
listener.name.tls.ssl.keystore.type=PEM
listener.name.tls.ssl.keystore.location=$keystore
listener.name.tls.ssl.client.auth=none
EOF
}

# kafka_client_properties USER PASSWORD -> prints client settings that log in with SCRAM-SHA-512
kafka_client_properties() {
  cat <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$1" password="$2";
EOF
}

# kafka_scram_arguments HUB_PASSWORD BROKER_PASSWORD -> prints the storage tool's --add-scram
#   arguments, one a line: the anchor on both mechanisms first (the storage tool writes the
#   records in this order), then the hub on both mechanisms, the broker on SCRAM-SHA-512
kafka_scram_arguments() {
  local hub=$1 broker=$2 anchor
  anchor=$(kafka_random_password)
  printf '%s\n' --add-scram "SCRAM-SHA-512=[name=$KAFKA_SCRAM_ANCHOR_USER,password=$anchor]" \
    --add-scram "SCRAM-SHA-256=[name=$KAFKA_SCRAM_ANCHOR_USER,password=$anchor]" \
    --add-scram "SCRAM-SHA-512=[name=$KAFKA_HUB_USER,password=$hub]" \
    --add-scram "SCRAM-SHA-256=[name=$KAFKA_HUB_USER,password=$hub]" \
    --add-scram "SCRAM-SHA-512=[name=$KAFKA_BROKER_USER,password=$broker]"
}

# kafka_sasl_formatted DATA_DIR -> 0 when DATA_DIR was formatted with the SCRAM credentials
kafka_sasl_formatted() {
  [[ -s $1/meta.properties && -s $1/$KAFKA_SASL_MARKER ]]
}

# kafka_broker_password DATA_DIR -> prints the broker's password from the marker, if any
kafka_broker_password() {
  [[ -s $1/$KAFKA_SASL_MARKER ]] || return 0
  sed -n 's/^broker\.password=//p' "$1/$KAFKA_SASL_MARKER"
}

# kafka_scram_anchored DATA_DIR -> 0 when DATA_DIR was formatted with the anchor user, so that a
#   restart keeps every SCRAM login (see KAFKA_SCRAM_ANCHOR_USER)
kafka_scram_anchored() {
  [[ -s $1/$KAFKA_SASL_MARKER ]] &&
    grep -qx "scram.anchor=$KAFKA_SCRAM_ANCHOR_USER" "$1/$KAFKA_SASL_MARKER"
}

# kafka_write_marker DATA_DIR BROKER_PASSWORD -> records a format with SCRAM credentials
kafka_write_marker() {
  (
    umask 077
    printf '%s\n' '# Formatted with SCRAM credentials by services/kafka/sasl.sh.' \
      "broker.password=$2" "scram.anchor=$KAFKA_SCRAM_ANCHOR_USER" >"$1/$KAFKA_SASL_MARKER"
  )
}
