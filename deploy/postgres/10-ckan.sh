#!/usr/bin/env bash
# docker-compose.yml's postgres init: CKAN's own role and database beside the hub's, its
# password read from the secret ckan_database_password (never written in a file of the repo).
set -euo pipefail
password=$(cat /run/secrets/ckan_database_password)
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v password="$password" <<'SQL'
CREATE ROLE ckan LOGIN PASSWORD :'password';
CREATE DATABASE ckan OWNER ckan ENCODING 'UTF8';
SQL
