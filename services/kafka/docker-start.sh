#!/usr/bin/env bash
# Entrypoint of the kafka service in docker-compose.yml: the apache/kafka image with the same
# SASL/SCRAM listeners, StandardAuthorizer and super users as scripts/services/kafka.sh
# (services/kafka/sasl.sh), which this folder is mounted with at /opt/kho.
# The first format also writes the SCRAM anchor user (sasl.sh), without which a restart on the
# volume can lose every SCRAM-SHA-512 login.
# Env: KHO_KAFKA_PASSWORD  User:kho's password (letters, digits, -._~), written at the first
#                          format; change it later with `kafka-configs.sh --alter --entity-type
#                          users --entity-name kho --add-config 'SCRAM-SHA-512=[password=...]'`
#      KHO_KAFKA_HOST      the advertised host name (default kafka, the compose service)
set -euo pipefail
# shellcheck source=services/kafka/sasl.sh
source /opt/kho/sasl.sh

bin=/opt/kafka/bin
config=/opt/kafka/config/kho-server.properties
client=/opt/kafka/config/kho-client.properties # also used by the compose health check
data=/var/lib/kafka/data
host=${KHO_KAFKA_HOST:-kafka}
hub_password=${KHO_KAFKA_PASSWORD:?set KHO_KAFKA_PASSWORD}
if ! kafka_check_password "$hub_password"; then
  echo "KHO_KAFKA_PASSWORD may hold letters, digits and -._~ only" >&2
  exit 1
fi

if kafka_sasl_formatted "$data"; then
  broker_password=$(kafka_broker_password "$data")
  if ! kafka_scram_anchored "$data"; then
    echo "WARNING: $data was formatted without the SCRAM anchor user" \
      "($KAFKA_SCRAM_ANCHOR_USER): once a SCRAM user has been deleted, a restart can lose every" \
      "SCRAM-SHA-512 login (a Kafka bug, see /opt/kho/sasl.sh). A volume this script formats" \
      "has the anchor: recreate this one (docker compose down -v) once its data may go." >&2
  fi
elif [[ -e $data/meta.properties ]]; then
  echo "$data was formatted without SASL/SCRAM credentials; remove the kafka-data volume" \
    "(docker compose down -v) to format it again" >&2
  exit 1
else
  broker_password=$(kafka_random_password)
fi

umask 077
kafka_server_properties 0.0.0.0 "$host" 9092 9093 "$data" "$broker_password" >"$config"
kafka_client_properties "$KAFKA_HUB_USER" "$hub_password" >"$client"

if ! kafka_sasl_formatted "$data"; then
  mapfile -t scram < <(kafka_scram_arguments "$hub_password" "$broker_password")
  "$bin/kafka-storage.sh" format -t "$("$bin/kafka-storage.sh" random-uuid)" -c "$config" \
    --standalone "${scram[@]}"
  kafka_write_marker "$data" "$broker_password"
fi
exec "$bin/kafka-server-start.sh" "$config"
