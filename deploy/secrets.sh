#!/usr/bin/env bash
# The secret files docker-compose.yml reads (`secrets:` with `file:`), written once into
# deploy/secrets/ (git-ignored): random passwords and keys, and the hub's URLs built from them.
# The folder is the owner's only (700); the files are readable (644) because Compose bind-mounts
# each file as it is into containers whose services run as their own users (kho, postgres...),
# and a host user who cannot enter the folder cannot reach them. Idempotent: an existing file is kept (a pseudonym key must never change).
#   bash deploy/secrets.sh
# After CKAN's first start, put the publisher's API token into deploy/secrets/kho_ckan_api_token:
#   docker compose exec ckan ckan user token add kho_admin kho | tail -n 1 | tr -d ' \t' \
#     > deploy/secrets/kho_ckan_api_token && docker compose restart publisher
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p secrets
chmod 700 secrets
umask 022

random_hex() { python3 -c 'import secrets; print(secrets.token_hex(int(__import__("sys").argv[1])))' "$1"; }

keep_or_write() { # name value
  [[ -s secrets/$1 ]] || printf '%s\n' "$2" >"secrets/$1"
}

keep_or_write kafka_password "$(random_hex 24)"
keep_or_write postgres_password "$(random_hex 24)"
keep_or_write mariadb_password "$(random_hex 24)"
keep_or_write ckan_database_password "$(random_hex 24)"
keep_or_write ckan_sysadmin_password "$(random_hex 24)"
keep_or_write keycloak_admin_password "$(random_hex 24)"
keep_or_write grafana_admin_password "$(random_hex 24)"
keep_or_write kho_bus_url "kafka://kho:$(cat secrets/kafka_password)@kafka:9092"
keep_or_write kho_database_url "postgresql://kho:$(cat secrets/postgres_password)@postgres/kho"
# the masked projections' pseudonyms: 64 hex characters; keep it secret and never change it
keep_or_write kho_pseudonym_key "$(random_hex 32)"
# the key that signs citizens' tokens, shared by the API's replicas
keep_or_write kho_subject_signing_key "$(random_hex 32)"
keep_or_write kho_session_secret "$(random_hex 32)"
# the development realm's client secret (services/keycloak/realm-kho.json); a province's SSO
# gives its own
keep_or_write kho_oidc_client_secret "$(python3 -c '
import json
realm = json.load(open("../services/keycloak/realm-kho.json"))
print(next(c["secret"] for c in realm["clients"] if c["clientId"] == "kho"))')"
[[ -e secrets/kho_ckan_api_token ]] || : >secrets/kho_ckan_api_token
echo "secrets in $(pwd)/secrets/ (kho_ckan_api_token: fill after CKAN's first start)"
